#!/usr/bin/env bash
# A scenario asking for more simulated work than mgsim does must end soon
# with a failure that says so (status 1), not exhaust memory or time. Each
# run has 60 s and, without ASan, 2 GB of address space: a regression fails
# here instead of hanging or swapping. Usage: ci/check-limits.sh BUILD_DIR
set -u
build=$1
bad=0
n=0

# WANT STATUS MGSIM FILE [OPTION...]: the run ends with STATUS, and when it
# fails, the message names FILE:LINE and WANT.
check() {
  local want=$1 status=$2 mgsim=$3 f=$4 out rc
  shift 4
  n=$((n + 1))
  if [[ $mgsim == *-asan ]]; then
    out=$(timeout 60 "$mgsim" run "$@" "$f" 2>&1)
  else
    out=$(ulimit -v 2000000 && timeout 60 "$mgsim" run "$@" "$f" 2>&1)
  fi
  rc=$?
  if [ "$rc" -ne "$status" ] ||
    { [ "$status" -eq 1 ] && ! grep -qE "^$f:[0-9]+: .*$want.*; the scenario asks for more simulated work than mgsim" <<<"$out"; }; then
    echo "$f $*: wanted status $status${want:+ and '$want'}, got status $rc:"
    echo "$out" | head -4
    bad=1
  fi
}

check "recorded over 4194304 handler events" 1 "$build/mgsim" tests/limits/timer_forever.scn
check "recorded over 16384 handler events" 1 "$build/mgsim-asan" tests/limits/timer_forever.scn --max-trace 1
check "polled connections over 5 million times" 1 "$build/mgsim" tests/limits/idle_crowd.scn --max-work 5
check "polled connections over 1 million times" 1 "$build/mgsim-asan" tests/limits/idle_crowd.scn --max-work 1
check "" 0 "$build/mgsim" tests/limits/echo_flood.scn
check "produced over 1 MiB of trace" 1 "$build/mgsim-asan" tests/limits/echo_flood.scn --max-trace 1
check "" 0 "$build/mgsim" tests/limits/peer_hoard.scn
check "the run's peers received over 16 MiB" 1 "$build/mgsim-asan" tests/limits/peer_hoard.scn --max-trace 16
check "matching regular expressions took the run over its work bound" 1 "$build/mgsim" tests/limits/regex_budget.scn
check "matching regular expressions took the run over its work bound" 1 "$build/mgsim-asan" tests/limits/regex_budget.scn --max-work 1
[ "$bad" -eq 0 ] && echo "$n runs against mgsim's bounds, each ending as it should"
exit "$bad"
