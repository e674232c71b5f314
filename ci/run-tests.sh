#!/usr/bin/env bash
# Runs every test program and check, and ends with "N passed, N failed".
# A cmocka program counts one per test case; a crash counts the tests it
# did not finish as failed. Usage: ci/run-tests.sh BUILD_DIR CORE_OBJS...
set -u
build=$1
shift
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_cmocka() { # NAME BINARY
  local ran ok rc
  "$2" >"$log" 2>&1
  rc=$?
  ran=$(grep -c '^\[ RUN      \]' "$log")
  ok=$(grep -c '^\[       OK \]' "$log")
  local skipped
  skipped=$(grep -c '^\[  SKIPPED \]' "$log")
  ok=$((ok + skipped))
  local bad=$((ran - ok))
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
  passed=$((passed + ok))
  failed=$((failed + bad))
  if [ "$bad" -ne 0 ]; then
    echo "FAIL $1 ($ok passed, $bad failed)"
    sed 's/^/    /' "$log" | tail -40
  else
    echo "ok   $1 ($ok tests)"
  fi
}

run_check() { # NAME COMMAND...
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    sed 's/^/    /' "$log" | tail -40
  fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "$build"/tests/test_*; do
  case $t in *.d) continue ;; esac
  run_cmocka "$(basename "$t") [epoll]" "$t"
done
for t in "$build"/tests-poll/test_*; do
  case $t in *.d) continue ;; esac
  run_cmocka "$(basename "$t") [poll]" "$t"
done
# A suite that prints its own "N passed, N failed": its counts join ours.
run_counted() { # NAME COMMAND...
  local name=$1 summary sp sf rc
  shift
  "$@" >"$log" 2>&1
  rc=$?
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -n "$summary" ]; then
    sp=${summary%% passed*}
    sf=${summary#*, }
    sf=${sf%% failed*}
  else
    sp=0
    sf=1
  fi
  [ "$rc" -ne 0 ] && [ "$sf" -eq 0 ] && sf=1
  passed=$((passed + sp))
  failed=$((failed + sf))
  if [ "$sf" -ne 0 ]; then
    echo "FAIL $name ($sp passed, $sf failed)"
    grep -vE '^ok ' "$log" | sed 's/^/    /' | tail -60
  else
    echo "ok   $name ($sp)"
  fi
}

# Every scenario, twice per seed (the traces must be identical), under
# ASan+UBSan; each scenario counts as one test.
run_counted "scenarios, each run twice with identical traces" \
  "$build/mgsim-asan" run --repeat 2 scenarios
# Every scenario natively too (mgsim compare): agreeing counts as passed,
# differing as failed; the skipped ones and their reasons are printed.
run_compare() { # NAME COMMAND...
  local name=$1 summary agree differ rc
  shift
  "$@" >"$log" 2>&1
  rc=$?
  summary=$(grep -E '^[0-9]+ agree, [0-9]+ differ, [0-9]+ skipped' "$log" | tail -1)
  agree=$(echo "$summary" | awk '{print $1 + 0}')
  differ=$(echo "$summary" | awk '{print $3 + 0}')
  [ -z "$summary" ] && differ=1
  [ "$rc" -ne 0 ] && [ "$differ" -eq 0 ] && differ=1
  passed=$((passed + agree))
  failed=$((failed + differ))
  if [ "$differ" -ne 0 ]; then
    echo "FAIL $name ($summary)"
    grep -vE '^(agree|skip) ' "$log" | sed 's/^/    /' | tail -60
  else
    echo "ok   $name ($summary)"
  fi
  grep -E '^skipped \(' "$log" | sed 's/^/    /'
}
run_compare "scenarios natively (real sockets) against the simulation" \
  "$build/mgsim-asan" compare scenarios
run_counted "real clients: curl, node ws, wrk" bash ci/check-real-clients.sh "$build"
run_counted "Mongoose 6 style programs (tests/compat) against real clients" \
  bash ci/check-compat.sh "$build"
if [ -x /usr/bin/chromium ]; then
  run_counted "browser: the chat page in Chromium" bash ci/check-browser.sh "$build"
else
  echo "skip browser test: /usr/bin/chromium is not installed (ci/deps.sh browser)"
fi

run_counted "fuzz targets: corpus replays and short runs" bash ci/check-fuzz.sh "$build"
run_check "malformed scenarios rejected" bash ci/check-bad-scenarios.sh "$build/mgsim-asan"
run_check "runaway scenarios stop at mgsim's bounds" bash ci/check-limits.sh "$build"
run_check "mgsim command line under hostile input" bash ci/check-mgsim-cli.sh "$build/mgsim-asan"
run_check "mgsim shrink: failures down to 1-minimal scenarios" bash ci/check-shrink.sh "$build/mgsim-asan"
run_check "mgsim run --timeline: sequence diagrams of passing, failing and cut runs$(
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || echo '; browser rendering skipped (no chromium)')" \
  bash ci/check-timeline.sh "$build"
run_check "mgsim record: curl and node ws sessions recorded, replayed, corrupted" \
  bash ci/check-record.sh "$build"
run_check "mgsim run --pcap: captures tshark decodes, streams as the peers saw them" \
  bash ci/check-pcap.sh "$build/mgsim-asan"
run_check "mgsim explore finds and shrinks planted bugs; real apps hold" bash ci/check-explore.sh "$build"
run_check "core purity (nm)" bash ci/check-core.sh "$@"
run_check "examples (timer, echo_server epoll+poll; clients and bind under hostile peers)" bash ci/check-examples.sh "$build"
run_check "determinism (gcc/clang x -O0/-O2 trace hashes)" bash ci/determinism.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
