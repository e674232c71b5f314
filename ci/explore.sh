#!/usr/bin/env bash
# Explores random scenarios for a while and shrinks what fails: builds
# mgsim, runs `mgsim explore --time DURATION --shard K/N` from FIRST (so
# that runs on different days try different seeds), and writes each failing
# seed and its shrunk form to OUT (explore-out/ by default). Exits 1 when a
# seed failed, 2 when something could not run. MGSIM=mgsim-asan explores
# with the ASan+UBSan build instead: a third of the speed, but memory errors
# and leaks after mg_mgr_free fail a seed too.
# Usage: ci/explore.sh DURATION K/N [FIRST] [OUT]
set -u
cd "$(dirname "$0")/.."
duration=${1:-600s}
shard=${2:-1/1}
first=${3:-1}
out=${4:-explore-out}
build=${BUILD:-build}
mgsim=$build/${MGSIM:-mgsim}
make --no-print-directory -s BUILD="$build" "$mgsim" >/dev/null || exit 2
"$mgsim" explore --time "$duration" --shard "$shard" \
  --seeds "$first-18446744073709551615" --out "$out"
rc=$?
[ "$rc" -eq 2 ] && exit 2
mkdir -p "$out/shrunk"
n=0
for f in "$out"/seed-*.scn; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  [ "$n" -gt 20 ] && break # enough to read; the rest are in $out
  "$mgsim" shrink "$f" --out "$out/shrunk/$(basename "$f")" >"$out/shrunk/$(basename "$f" .scn).log" 2>&1
done
exit "$rc"
