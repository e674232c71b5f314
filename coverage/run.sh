#!/usr/bin/env bash
# Line and branch coverage of engine/, sockiface/, simiface/ and tools/mgsim/.
#
# Builds every variant with gcc --coverage into build/cov (the normal build/
# is left alone), runs the cmocka tests (epoll and poll), every scenario, the
# malformed scenarios and every fuzz corpus input, then writes
#   build/coverage/lcov.info    (lcov tracefile, branch data included)
#   build/coverage/index.html   (genhtml)
# and prints lines and branches per file, per folder and in total.
#
# Usage: coverage/run.sh        (make coverage)
# Exits 1 when a run did not end as it should (the report is still written).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cov=build/cov
out=build/coverage
started=$(date +%s)

# Called from make: drop the parent's command-line variables (BASE=<rev> for
# coverage-diff would otherwise replace the Makefile's compiler flags).
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL GNUMAKEFLAGS

for tool in gcc gcov lcov genhtml python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "coverage: $tool is missing; installing the coverage tools (ci/deps.sh coverage)"
    bash ci/deps.sh build coverage
    break
  fi
done

rm -rf "$out"
mkdir -p "$out/logs"
lcov_rc=(--rc lcov_branch_coverage=1)
# lcov 1.16 under Debian's perl prints "Subroutine ... redefined" noise.
lcov_q() { lcov "${lcov_rc[@]}" --quiet "$@" 2>>"$out/logs/lcov.log"; }

step() { printf 'coverage: %-46s' "$1"; step_t=$(date +%s); }
done_step() { echo "done ($(($(date +%s) - step_t)) s)"; }

# ---- build --------------------------------------------------------------
# The Makefile's own rules, with gcc --coverage in place of -O2 and ASan.
mk() {
  make --no-print-directory BUILD="$cov" CC=gcc OPT="-O0 -g --coverage" \
    SAN="-O0 -g --coverage" "$@"
}
step "building $cov (gcc -O0 --coverage)"
if ! mk -j2 all >"$out/logs/build.log" 2>&1; then
  echo "failed"
  tail -30 "$out/logs/build.log"
  exit 1
fi
done_step

# Replay binaries for the fuzz corpora: the Makefile's fuzz-replay rule (its
# `all` builds those of its FUZZ_TARGETS), or, for a target that rule cannot
# link, the plain replay command line.
fuzz_targets=()
for corpus in fuzz/corpus/*/; do
  [ -d "$corpus" ] || continue
  t=$(basename "$corpus")
  [ -f "fuzz/$t.c" ] || continue
  [ -n "$(find "$corpus" -type f -print -quit)" ] || continue
  bin=$cov/fuzz-replay/$t
  if ! mk "$bin" >>"$out/logs/build.log" 2>&1; then
    mkdir -p "$cov/fuzz-replay"
    if ! gcc -std=c11 -D_GNU_SOURCE -O0 -g --coverage -Iengine -Isimiface \
      -Itools/mgsim -Ifuzz "fuzz/$t.c" fuzz/replay_main.c "$cov/libmgsim.a" \
      "$cov/libengine.a" -lpthread -lm -o "$bin" >>"$out/logs/build.log" 2>&1; then
      echo "coverage: warning: fuzz/$t.c does not build as a replay binary; its corpus is skipped"
      continue
    fi
  fi
  fuzz_targets+=("$t")
done

# ---- runs ---------------------------------------------------------------
lcov_q --zerocounters --directory "$cov"
# The zero baseline (every compiled line, run or not), taken while the
# tests run: a source whose object no run links still counts, at 0%.
lcov_q --capture --initial --directory "$cov" --base-directory . \
  --output-file "$out/base.info" &
baseline_pid=$!

results=$out/logs/results
: >"$results.1"
: >"$results.2"
record() { # RESULTS NAME STATUS
  printf '%s\t%s\n' "$2" "$3" >>"$1"
}
# Every run is bounded: 5 minutes, 4 GiB of address space (no ASan here).
# A run that is killed writes no counters; it is reported below.
limit=${COVERAGE_TIMEOUT:-300}
bounded() { timeout -k 5 "$limit" "$@"; }
run_tests() { # RESULTS DIR LABEL
  local t rc
  for t in "$2"/test_*; do
    case $t in *.d | *.gcno | *.gcda) continue ;; esac
    [ -x "$t" ] || continue
    rc=0
    bounded "$t" >"$out/logs/$(basename "$t")$3.log" 2>&1 || rc=$?
    record "$1" "$(basename "$t")$3" "$rc"
  done
}
run_expect() { # RESULTS NAME LOG WANTED_STATUS COMMAND...
  local res=$1 name=$2 log=$3 want=$4 rc=0
  shift 4
  bounded "$@" >>"$out/logs/$log.log" 2>&1 || rc=$?
  if [ "$rc" -eq "$want" ]; then
    record "$res" "$name" 0
  else
    record "$res" "$name" "$rc (wanted $want)"
  fi
}
run_fuzz() { # RESULTS TARGET
  local t=$2 rc=0 n
  n=$(find "fuzz/corpus/$t" -type f | wc -l)
  # Batches of 200 inputs: an input that crashes loses only its batch.
  find "fuzz/corpus/$t" -type f -print0 | sort -z |
    MG_FUZZ_DIR=$root/fuzz bounded xargs -0 -n 200 "$cov/fuzz-replay/$t" \
      >"$out/logs/fuzz-$t.log" 2>&1 || rc=$?
  record "$1" "fuzz corpus $t ($n inputs)" "$rc"
}

step "running tests, scenarios, fuzz corpora"
# Two lanes for two cores; each object's counters are merged under a lock.
(
  ulimit -v 4194304
  run_tests "$results.1" "$cov/tests" ""
) &
lane1=$!
(
  ulimit -v 4194304
  run_tests "$results.2" "$cov/tests-poll" " (poll)"
  run_expect "$results.2" scenarios scenarios 0 "$cov/mgsim" run scenarios
  # One process per malformed file: each must exit 2 on its own.
  for f in tests/bad_scenarios/*.scn; do
    run_expect "$results.2" "$f" bad_scenarios 2 "$cov/mgsim" run "$f"
  done
  for t in "${fuzz_targets[@]}"; do
    run_fuzz "$results.2" "$t"
  done
) &
lane2=$!
wait "$lane1" "$lane2"
done_step

failed=()
nruns=0
while IFS=$'\t' read -r name status; do
  nruns=$((nruns + 1))
  [ "$status" = 0 ] || failed+=("$name: exit $status")
done < <(cat "$results.1" "$results.2")
ntests=$(cat "$results.1" "$results.2" | grep -c '^test_' || true)
nbad=$(grep -c '^tests/bad_scenarios/' "$results.2" || true)
ninputs=$(sed -n 's/^fuzz corpus .* (\([0-9]*\) inputs).*/\1/p' "$results.2" |
  awk '{ n += $1 } END { print n + 0 }')
scen=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/logs/scenarios.log" | tail -1 || true)
echo "coverage: ran $ntests cmocka programs, the scenarios (${scen:-no summary})," \
  "$nbad malformed scenarios, ${#fuzz_targets[@]} fuzz" \
  "corpora (${ninputs:-0} inputs): $((nruns - ${#failed[@]})) of $nruns runs as expected"

# ---- capture --------------------------------------------------------------
step "capturing with lcov"
wait "$baseline_pid" || { echo "failed"; tail -20 "$out/logs/lcov.log"; exit 1; }
lcov_q --capture --directory "$cov" --base-directory . --output-file "$out/run.info"
lcov_q --add-tracefile "$out/base.info" --add-tracefile "$out/run.info" \
  --output-file "$out/all.info"
lcov_q --extract "$out/all.info" "$root/engine/*" "$root/sockiface/*" "$root/simiface/*" \
  "$root/tools/mgsim/*" --output-file "$out/lcov.info"
rm -f "$out/base.info" "$out/run.info" "$out/all.info"
done_step

step "writing HTML"
genhtml --branch-coverage "${lcov_rc[@]}" --quiet --prefix "$root" \
  --title "mgcore coverage" --output-directory "$out" "$out/lcov.info" \
  2>>"$out/logs/lcov.log"
done_step

echo
python3 coverage/report.py table "$out/lcov.info"
echo
echo "coverage: $out/lcov.info, $out/index.html ($(($(date +%s) - started)) s)"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "coverage: ${#failed[@]} runs did not end as they should (their coverage counts all the same):"
  printf '  %s\n' "${failed[@]}"
  echo "  logs: $out/logs/"
  exit 1
fi
