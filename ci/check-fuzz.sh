#!/usr/bin/env bash
# What make test does with the fuzz targets: replays every corpus and
# regression input with the gcc build and the ASan+UBSan build, then runs a
# short deterministic fuzz of each target (-seed=1 -runs=N, new inputs kept
# out of the corpus). One line per target and "N passed, N failed".
# Usage: ci/check-fuzz.sh BUILD_DIR [RUNS]
set -u
cd "$(dirname "$0")/.."
build=$1
runs=${2:-2000}
passed=0
failed=0
log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$log" "$scratch"' EXIT

check() { # NAME COMMAND...
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    tail -30 "$log" | sed 's/^/    /'
  fi
}

for t in $(make --no-print-directory -s print-fuzz-targets); do
  inputs=()
  for d in "fuzz/corpus/$t" "fuzz/regress/$t"; do
    [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && inputs+=("$d")
  done
  if [ "${#inputs[@]}" -gt 0 ]; then
    check "$t: replay corpus and regressions (gcc)" "$build/fuzz-replay/$t" "${inputs[@]}"
    check "$t: replay (ASan+UBSan)" "$build/fuzz-replay-asan/$t" "${inputs[@]}"
  fi
  if [ -x "$build/fuzz/$t" ]; then
    mkdir -p "$scratch/$t"
    check "$t: libFuzzer -seed=1 -runs=$runs" "$build/fuzz/$t" -seed=1 -runs="$runs" \
      -artifact_prefix="$scratch/" \
      "$scratch/$t" "${inputs[@]}"
  fi
done
# The committed corpora stay small enough to clone and replay quickly:
# at most 512 KiB per target and 2 MiB in all (file contents, not blocks).
corpus_budget() {
  local t bytes total=0 over=0
  for t in fuzz/corpus/*/; do
    bytes=$(find "$t" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    total=$((total + bytes))
    if [ "$bytes" -gt $((512 * 1024)) ]; then
      echo "$t: $bytes bytes, over the 512 KiB budget (minimize with -merge=1)"
      over=1
    fi
  done
  echo "corpora: $total bytes in all"
  [ "$total" -le $((2048 * 1024)) ] || { echo "over the 2 MiB budget"; over=1; }
  [ "$over" -eq 0 ]
}
check "fuzz corpora within their size budget" corpus_budget

# A session input and the scenario `mgsim from-fuzz` prints for it give the
# same trace. All inputs replay in one process and all scenarios run in one
# mgsim, in the same order; the scenarios sit in a folder whose www is
# fuzz/www, as the target's do.
same_trace_as_scenario() { # INPUT...
  local in i=0 dir=$scratch/from-fuzz
  mkdir -p "$dir/scn"
  ln -sfn "$PWD/fuzz/www" "$dir/scn/www"
  for in in "$@"; do
    i=$((i + 1))
    "$build/mgsim" from-fuzz "$in" >"$dir/scn/$(printf '%05d' "$i").scn" || return 1
  done
  MG_FUZZ_TRACE=1 "$build/fuzz-replay/session" "$@" >"$dir/a0" || return 1
  sed '/^replayed /d' "$dir/a0" >"$dir/a"
  "$build/mgsim" run --trace "$dir/b0" "$dir/scn" >"$dir/run.log" || {
    grep -v '^ok ' "$dir/run.log" | head -20
    return 1
  }
  grep -v '^# ' "$dir/b0" >"$dir/b"
  cmp "$dir/a" "$dir/b" || {
    echo "the scenarios' traces differ from the sessions' (first difference above)"
    return 1
  }
}
check "session: from-fuzz scenarios give the same traces" same_trace_as_scenario \
  fuzz/regress/session/* fuzz/corpus/session/*

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
