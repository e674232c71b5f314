#!/usr/bin/env bash
# Every file in tests/bad_scenarios/ is malformed on purpose. Each says on its
# first line "# expect-error: LINE: TEXT"; mgsim must exit with status 2 and
# print "FILE:LINE: ...TEXT..." without crashing (under ASan here).
# Usage: ci/check-bad-scenarios.sh MGSIM
set -u
mgsim=$1
bad=0
n=0
for f in tests/bad_scenarios/*.scn; do
  n=$((n + 1))
  spec=$(head -1 "$f" | sed -n 's/^# expect-error: //p')
  line=${spec%%:*}
  text=${spec#*: }
  out=$("$mgsim" run "$f" 2>&1)
  rc=$?
  if [ "$rc" -ne 2 ] || ! grep -qF "$f:$line: " <<<"$out" || ! grep -qF "$text" <<<"$out"; then
    echo "$f: wanted status 2 and '$f:$line: ...$text...', got status $rc:"
    echo "$out" | head -5
    bad=1
  fi
done
echo "$n malformed scenarios, each rejected with file:line and status 2"
exit "$bad"
