#!/usr/bin/env bash
# Builds mgsim with gcc and clang at -O0 and -O2, runs every scenario with
# each, and compares the hashes of the traces: they must all be identical.
# Usage: ci/determinism.sh [SCENARIO_DIR_OR_FILE...]   (default: scenarios)
set -eu
cd "$(dirname "$0")/.."
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(scenarios)
compilers=()
for cc in gcc clang; do command -v "$cc" >/dev/null 2>&1 && compilers+=("$cc"); done
first=""
status=0
printf '%-14s %s\n' build "sha256 of all traces"
for cc in "${compilers[@]}"; do
  for opt in -O0 -O2; do
    dir="build/det/$cc$opt"
    make --no-print-directory -s -j2 CC="$cc" OPT="$opt -g" BUILD="$dir" \
      "$dir/mgsim" >/dev/null
    "$dir/mgsim" run --trace "$dir/all.trace" "${targets[@]}" >"$dir/run.log" || {
      echo "$cc $opt: scenarios failed"
      tail -5 "$dir/run.log"
      status=1
    }
    hash=$(sha256sum "$dir/all.trace" | cut -d' ' -f1)
    printf '%-14s %s\n' "$cc $opt" "$hash"
    if [ -z "$first" ]; then
      first=$hash
    elif [ "$hash" != "$first" ]; then
      status=1
    fi
  done
done
if [ "$status" -eq 0 ]; then
  echo "identical across ${#compilers[@]} compilers x 2 optimisation levels"
else
  echo "traces differ between builds"
fi
exit "$status"
