#!/usr/bin/env bash
# Explores random scenarios for a while and shrinks what fails: builds
# mgsim, runs `mgsim explore --time DURATION --shard K/N` from FIRST (so
# that runs on different days try different seeds), and writes each failing
# seed and its shrunk form to OUT (explore-out/ by default). Exits 1 when a
# seed failed, 2 when something could not run.
# Usage: ci/explore.sh DURATION K/N [FIRST] [OUT]
set -u
cd "$(dirname "$0")/.."
duration=${1:-600s}
shard=${2:-1/1}
first=${3:-1}
out=${4:-explore-out}
build=${BUILD:-build}
make --no-print-directory -s BUILD="$build" "$build/mgsim" >/dev/null || exit 2
"$build/mgsim" explore --time "$duration" --shard "$shard" \
  --seeds "$first-18446744073709551615" --out "$out"
rc=$?
[ "$rc" -eq 2 ] && exit 2
mkdir -p "$out/shrunk"
n=0
for f in "$out"/seed-*.scn; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  [ "$n" -gt 20 ] && break # enough to read; the rest are in $out
  "$build/mgsim" shrink "$f" --out "$out/shrunk/$(basename "$f")" >"$out/shrunk/$(basename "$f" .scn).log" 2>&1
done
exit "$rc"
