#!/bin/bash -eu
# Builds every fuzz target with the compiler, flags and fuzzing engine
# OSS-Fuzz chooses ($CC, $CFLAGS, $LIB_FUZZING_ENGINE) and installs each in
# $OUT with its seed corpus, dictionary and the files it reads at run time
# (www for the simulation targets, the list of intended differences for
# http_diff). The same Makefile rules as `make fuzz`, other flags.
#
# Locally: python3 infra/helper.py build_fuzzers --external PATH/TO/REPO
cd "$SRC/mgcore"
build=$WORK/build
# -Werror stays with our own compilers; OSS-Fuzz's clang is newer.
make -j"$(nproc)" BUILD="$build" FUZZ_CC="$CC" FUZZ_SAN="$CFLAGS" FUZZ_NOLINK= \
  FUZZ_ENGINE="$LIB_FUZZING_ENGINE" WARN="-Wall -Wextra" \
  LDLIBS_http_diff=-l:libhttp_parser.a fuzz
for t in $(make --no-print-directory -s print-fuzz-targets); do
  cp "$build/fuzz/$t" "$OUT/"
  if [ -d "fuzz/corpus/$t" ]; then
    (cd "fuzz/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
  fi
  case $t in
    http_*) cp fuzz/dict/http.dict "$OUT/$t.dict" ;;
    ws_frames) cp fuzz/dict/ws.dict "$OUT/$t.dict" ;;
    session | scenario) cp fuzz/dict/scenario.dict "$OUT/$t.dict" ;;
  esac
done
cp -a fuzz/www "$OUT/www"
cp fuzz/http_diff_allowed.txt "$OUT/"
