#!/usr/bin/env bash
# Executions per second of each libFuzzer target (ASan+UBSan, one core),
# starting from its committed corpus, against the goals: 100,000 exec/s for
# parser targets, 10,000 for session targets.
# Usage: bench/run_fuzz_bench.sh [BUILD_DIR] [SECONDS]
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-10}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '%-14s %10s %10s %s\n' target exec/s goal ratio
for t in $(make --no-print-directory -s print-fuzz-targets); do
  case $t in
    session | ws_frames | scenario) goal=10000 ;;
    *) goal=100000 ;;
  esac
  mkdir -p "$scratch/$t"
  "$build/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
    "$scratch/$t" "fuzz/corpus/$t" >"$scratch/$t.log" 2>&1
  execs=$(grep -o 'exec/s: [0-9]*' "$scratch/$t.log" | tail -1 | cut -d' ' -f2)
  awk -v t="$t" -v e="${execs:-0}" -v g="$goal" \
    'BEGIN { printf "%-14s %10d %10d %.2f\n", t, e, g, e / g }'
done
