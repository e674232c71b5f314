#!/usr/bin/env bash
# Simulation speed: virtual seconds per wall second for 1,000 connections
# re-arming timers over one hour (aligned, as the timer app arms them, and
# spread, one timer per poll), and the scenario suite's runs per second.
# Usage: bench/run_sim_bench.sh [BUILD_DIR]
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
"$build/bench/sim_bench" 1000 1 1
"$build/bench/sim_bench" 1000 0.01 1 spread
files=$(find scenarios -name '*.scn' | wc -l)
rounds=5
start=$(date +%s.%N)
for _ in $(seq $rounds); do "$build/mgsim" run scenarios >/dev/null; done
end=$(date +%s.%N)
awk -v f="$files" -v r="$rounds" -v s="$start" -v e="$end" 'BEGIN {
  w = e - s;
  printf "scenario suite: %d files x %d rounds in %.2f s: %.1f suite runs/s, %.0f scenario runs/s\n", f, r, w, r / w, f * r / w
}'
