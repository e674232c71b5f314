#!/usr/bin/env bash
# What make test does with the fuzz targets: replays every corpus and
# regression input with the gcc build and the ASan+UBSan build, then runs a
# short deterministic fuzz of each target (-seed=1 -runs=N, new inputs kept
# out of the corpus), and checks that no state carries over from one input
# to the next (replay --twice). One line per check and "N passed, N failed".
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
# Nothing carries over from one input to the next, which AFL++'s persistent
# mode would show as instability: replay --twice runs each corpus input
# twice in one process, and in both orders with its neighbour (A A B A B).
# What the runs print must agree (a simulation's trace, MG_FUZZ_TRACE=1),
# and so must the edge counts of the build on the libFuzzer objects
# (fuzz-replay-cov); the gcc replay, which compares output only, stands in
# when that does not build.
carry_over() { # TARGET
  local t=$1
  local bin=$build/fuzz-replay-cov/$t
  make --no-print-directory -s "$bin" BUILD="$build" >"$scratch/cov-build.log" 2>&1 || {
    echo "no edge counters ($bin did not build): traces only"
    bin=$build/fuzz-replay/$t
  }
  MG_FUZZ_TRACE=1 "$bin" --twice "fuzz/corpus/$t"
}
for t in $(make --no-print-directory -s print-fuzz-targets); do
  [ -d "fuzz/corpus/$t" ] || continue
  check "$t: no carry-over between inputs (replay --twice)" carry_over "$t"
done

# AFL++ runs the same harness: a few seconds of afl-fuzz on one target,
# from its corpus, with its CMPLOG build (-c), must execute inputs
# (persistent mode) and save no crash.
afl_smoke() {
  local t=http_response out=$scratch/afl
  make --no-print-directory -s "$build/afl/$t" "$build/afl-cmplog/$t" BUILD="$build" || return 1
  # afl-fuzz insists on sanitizers that abort and do not symbolize; the
  # test run's own ASAN_OPTIONS say otherwise.
  ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:symbolize=0 \
    AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    AFL_NO_AFFINITY=1 AFL_QUIET=1 \
    afl-fuzz -V 5 -i "fuzz/corpus/$t" -o "$out" -x fuzz/dict/http.dict \
    -c "$build/afl-cmplog/$t" -- "$build/afl/$t" >"$scratch/afl.log" 2>&1 || { tail -5 "$scratch/afl.log"; return 1; }
  grep -E '^(execs_done|saved_crashes|unique_crashes|execs_per_sec)' \
    "$out/default/fuzzer_stats"
  # saved_crashes since AFL++ 4.00, unique_crashes before: one must be 0.
  awk -F' *: *' '$1 == "execs_done" && $2 > 0 { ran = 1 }
                 $1 == "saved_crashes" || $1 == "unique_crashes" { seen = 1; if ($2 != 0) crashed = 1 }
                 END { exit !(ran && seen && !crashed) }' "$out/default/fuzzer_stats"
}
if command -v afl-fuzz >/dev/null 2>&1; then
  check "AFL++: http_response runs under afl-fuzz" afl_smoke
fi

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
