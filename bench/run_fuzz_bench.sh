#!/usr/bin/env bash
# Executions per second of each fuzz target (ASan+UBSan, one core) under
# libFuzzer and under AFL++ (persistent mode, with its stability), each
# starting from the committed corpus, against the goals: 100,000 exec/s for
# parser targets, 10,000 for session targets. Ratios are exec/s over the
# goal, one per engine.
#
# AFL++ starts from a copy of the corpus's smallest inputs (AFL_INPUTS, 40
# by default, none that times out: -t 1000+), so that calibrating them does
# not eat the run; parser targets get their CMPLOG build (-c). Its exec/s
# and stability are afl-fuzz's own, from fuzzer_stats.
# Usage: bench/run_fuzz_bench.sh [BUILD_DIR] [SECONDS]    (default 10 s)
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-10}
afl_inputs=${AFL_INPUTS:-40}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
parsers=" $(make --no-print-directory -s print-parser-fuzz-targets) "

# afl-fuzz's exec/s and stability for target $1, as "EXECS STABILITY", or
# "- -" when it did not run.
afl_run() { # TARGET
  local t=$1
  local in=$scratch/$t.afl-in out=$scratch/$t.afl-out cmplog=()
  if ! command -v afl-fuzz >/dev/null 2>&1 || [ ! -x "$build/afl/$t" ]; then
    echo "- -"
    return
  fi
  mkdir -p "$in"
  find "fuzz/corpus/$t" -type f -printf '%s %p\n' | sort -n | head -n "$afl_inputs" |
    cut -d' ' -f2- | while read -r f; do cp "$f" "$in/"; done
  [ -n "$(ls -A "$in")" ] || printf 'x' >"$in/seed"
  case $parsers in
    *" $t "*) [ -x "$build/afl-cmplog/$t" ] && cmplog=(-c "$build/afl-cmplog/$t") ;;
  esac
  # afl-fuzz wants sanitizers that abort and do not symbolize.
  ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:symbolize=0 \
    AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    AFL_NO_AFFINITY=1 \
    afl-fuzz -V "$seconds" -t 1000+ -i "$in" -o "$out" ${cmplog[@]+"${cmplog[@]}"} \
    -- "$build/afl/$t" >"$scratch/$t.afl.log" 2>&1
  awk -F' *: *' '$1 == "execs_per_sec" { e = $2 } $1 == "stability" { s = $2 }
                 END { if (e == "") print "- -"; else print e, (s == "" ? "-" : s) }' \
    "$out/default/fuzzer_stats" 2>/dev/null || echo "- -"
}

printf '%-14s %12s %12s %9s %8s %8s %8s\n' target libFuzzer AFL++ stability goal ratio \
  AFL-ratio
for t in $(make --no-print-directory -s print-fuzz-targets); do
  case $t in
    session | ws_frames | scenario) goal=10000 ;;
    *) goal=100000 ;;
  esac
  mkdir -p "$scratch/$t"
  "$build/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
    "$scratch/$t" "fuzz/corpus/$t" >"$scratch/$t.log" 2>&1
  execs=$(grep -o 'exec/s: [0-9]*' "$scratch/$t.log" | tail -1 | cut -d' ' -f2)
  read -r afl_execs stability <<<"$(afl_run "$t")"
  awk -v t="$t" -v e="${execs:-0}" -v a="$afl_execs" -v s="$stability" -v g="$goal" \
    'BEGIN {
       ar = a == "-" ? "-" : sprintf("%.2f", a / g)
       printf "%-14s %12d %12s %9s %8d %8.2f %8s\n", t, e,
              a == "-" ? "-" : sprintf("%d", a), s, g, e / g, ar
     }'
done
