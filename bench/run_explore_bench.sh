#!/usr/bin/env bash
# mgsim explore's speed: seeds per second on one core, at -O2 and under
# ASan+UBSan, against the goal of 1,000 seeds/s at -O2 (scenarios of up to
# 50 actions), and how long shrink takes on the first failure explore finds
# in each app with a planted bug (tests/planted_apps.c).
# Usage: bench/run_explore_bench.sh BUILD_DIR
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PIN=()
command -v taskset >/dev/null 2>&1 && PIN=(taskset -c 0)
rate() { # BINARY SEEDS
  "${PIN[@]}" "$1" explore --seeds "1-$2" --out "$tmp/out" | tail -1 | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p'
}
echo "=== mgsim explore (one core)"
plain=$(rate "$build/mgsim" 5000)
asan=$(rate "$build/mgsim-asan" 1000)
printf '%-8s %10s %8s %8s\n' build "seeds/s" goal ratio
printf '%-8s %10s %8s %8s\n' "-O2" "${plain:-?}" 1000 \
  "$(awk -v a="${plain:-0}" 'BEGIN { printf "%.2f", a / 1000 }')"
printf '%-8s %10s %8s %8s\n' "ASan" "${asan:-?}" - -
echo "=== mgsim shrink on planted bugs (first failure found)"
for planted in "echo echo-drop7 mgsim-planted" "http-static http-twice mgsim-planted" \
  "ws-echo ws-ping-frag mgsim-planted" "timer timer-leak mgsim-planted-asan"; do
  read -r role app bin <<<"$planted"
  "$build/$bin" explore --apps "$role" --as "$role=$app" --seeds 1-300 \
    --out "$tmp/$app" >"$tmp/log" 2>&1
  first=$(grep -m1 '^FAIL seed' "$tmp/log" | sed 's/.*(\(.*\))$/\1/')
  [ -n "$first" ] || { echo "$app: not found"; continue; }
  start=$(date +%s.%N)
  "${PIN[@]}" "$build/$bin" shrink "$first" --out "$tmp/$app/min.scn" >"$tmp/shrink" 2>&1
  end=$(date +%s.%N)
  printf '%-14s %s, %s, %.2f s\n' "$app" "$(basename "$first")" \
    "$(grep '^lines:' "$tmp/shrink" | cut -d' ' -f2-4)" "$(echo "$end - $start" | bc)"
done
