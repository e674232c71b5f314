#!/usr/bin/env bash
# Continuous fuzzing: builds the libFuzzer targets, fuzzes each for SECONDS
# on every core, merges what is new into fuzz/corpus/TARGET (minimized),
# files each crash, minimized, under fuzz/regress/TARGET, and prints the
# runs, exec/s, coverage and corpus size per target, then the three
# slowest corpus inputs of each. Exits non-zero if a
# crash was found.
#
# Usage: ci/fuzz.sh [SECONDS] [TARGET...]     (default 60 s, every target)
#        FUZZ_JOBS=N uses N cores instead of all of them.
set -u
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${BUILD:-build}
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  read -r -a targets <<<"$(make --no-print-directory -s print-fuzz-targets)"
fi
cores=${FUZZ_JOBS:-$(nproc)}
make --no-print-directory -s -j"$cores" BUILD="$build" "${targets[@]/#/$build/fuzz/}" >/dev/null || exit 2

# A blow-up is a finding: an input that takes 10 s or 2 GB fails like a
# crash (filed under fuzz/regress). Scenario inputs may be long (the target
# parses up to 64 KiB), so that a superlinear lexer or pattern shows.
limits_for() {
  case $1 in
    scenario) echo "-max_len=65536" ;;
  esac
}

dict_for() {
  case $1 in
    http_*) echo fuzz/dict/http.dict ;;
    ws_frames) echo fuzz/dict/ws.dict ;;
    session | scenario) echo fuzz/dict/scenario.dict ;;
  esac
}

# The committed corpus of a target stays under 512 KiB (make test checks
# it). Over that, it is rebuilt from the fewest inputs that reach every
# edge (-use_counters=0), plus the inputs under 1000 bytes that add hit-count
# features if they fit too: every edge stays covered, and most of the variety.
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
fit_budget() { # BIN CORPUS WORK
  local bin=$1 corpus=$2 work=$3 bytes budget=$((512 * 1024))
  bytes=$(dir_bytes "$corpus")
  [ "$bytes" -le "$budget" ] && return 0
  mkdir -p "$work/fit" "$work/small" "$work/fit+small"
  "$bin" -merge=1 -use_counters=0 "$work/fit" "$corpus" >"$work/fit.log" 2>&1 || return 0
  cp "$work/fit"/* "$work/fit+small/"
  find "$corpus" -type f -size -1000c -exec cp {} "$work/small/" \;
  "$bin" -merge=1 "$work/fit+small" "$work/small" >>"$work/fit.log" 2>&1 || return 0
  if [ "$(dir_bytes "$work/fit+small")" -le "$budget" ]; then
    rm -rf "$work/fit"
    mv "$work/fit+small" "$work/fit"
  fi
  rm -f "$corpus"/*
  cp "$work/fit"/* "$corpus/"
  echo "  $(basename "$corpus"): corpus over 512 KiB ($bytes bytes), refitted to" \
    "$(dir_bytes "$corpus") bytes"
}

crashes=0
slowest=""
printf '%-14s %12s %9s %8s %8s %8s %s\n' target runs exec/s cov corpus new crashes
for t in "${targets[@]}"; do
  bin=$build/fuzz/$t
  corpus=fuzz/corpus/$t
  work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$t.XXXXXX")
  artifacts=$build/fuzz-artifacts/$t
  mkdir -p "$corpus" "$work/new" "$artifacts" "fuzz/regress/$t"
  dict=$(dict_for "$t")
  [ -n "$dict" ] && [ -f "$dict" ] || dict=
  before=$(find "$corpus" -type f | wc -l)
  # New inputs go to $work/new; the committed corpus is only read. On
  # several cores, fork mode (which goes on past a crash); on one, a plain
  # run: fork mode's jobs each re-read part of the corpus, which costs a
  # slow target (a simulation) half its time or more.
  if [ "$cores" -gt 1 ]; then
    mode=(-fork="$cores" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  else
    mode=()
  fi
  # shellcheck disable=SC2046
  "$bin" ${mode[@]+"${mode[@]}"} -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 $(limits_for "$t") \
    -artifact_prefix="$artifacts/" ${dict:+-dict=$dict} "$work/new" "$corpus" \
    >"$work/log" 2>&1
  # Merge: only inputs that add coverage join the corpus.
  "$bin" -merge=1 ${dict:+-dict=$dict} "$corpus" "$work/new" >"$work/merge.log" 2>&1
  fit_budget "$bin" "$corpus" "$work"
  after=$(find "$corpus" -type f | wc -l)
  # Runs and their rate over the whole budget: fork mode's last "#N: ...
  # time: Ss" line, or a plain run's final stats.
  runs=$(grep -oE '^#[0-9]+: ' "$work/log" | tail -1 | grep -oE '[0-9]+')
  if [ -n "$runs" ]; then
    took=$(grep -oE 'time: [0-9]+s' "$work/log" | tail -1 | grep -oE '[0-9]+')
    execs=$((runs / (${took:-1} > 0 ? ${took:-1} : 1)))
  else
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -oE '[0-9]+$')
    execs=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$work/log" | grep -oE '[0-9]+$')
  fi
  cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -1 | grep -oE '[0-9]+$')
  if [ -z "$execs" ]; then
    echo "  $t: the fuzzer did not run:" >&2
    tail -5 "$work/log" | sed 's/^/    /' >&2
  fi
  found=0
  for a in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -f "$a" ] || continue
    found=$((found + 1))
    min="fuzz/regress/$t/$(basename "$a")"
    "$bin" -minimize_crash=1 -runs=20000 -exact_artifact_path="$min" "$a" \
      >/dev/null 2>&1 || true
    [ -f "$min" ] || cp "$a" "$min"
    rm -f "$a"
    echo "  $t: crash filed as $min (replay: $build/fuzz-replay-asan/$t $min)"
  done
  crashes=$((crashes + found))
  printf '%-14s %12s %9s %8s %8s %8s %s\n' "$t" "${runs:-?}" "${execs:-?}" "${cov:-?}" \
    "$after" "$((after - before))" "$found"
  # The corpus inputs that cost most (ASan build, one run each): one slow
  # input pulls the whole target's rate down.
  if make --no-print-directory -s BUILD="$build" "$build/fuzz-replay-asan/$t" >/dev/null 2>&1; then
    "$build/fuzz-replay-asan/$t" --slowest 3 "$corpus" 2>/dev/null | sed 's/^/    /' >"$work/slow"
    slowest="$slowest$t:"$'\n'"$(cat "$work/slow")"$'\n'
  fi
  rm -rf "$work"
done
if [ -n "$slowest" ]; then
  printf '\nslowest corpus inputs (ASan replay):\n%s' "$slowest"
fi
[ "$crashes" -eq 0 ]
