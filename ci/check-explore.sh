#!/usr/bin/env bash
# mgsim explore and shrink against bugs planted in test apps
# (tests/planted_apps.c, built as BUILD/mgsim-planted, and as
# BUILD/mgsim-planted-asan for the leak, which only the ASan build's leak
# check sees): explore must find each within 300 seeds, and shrink bring its
# first failure down to at most 10 command lines that fail the same way.
# The real apps, explored for 1000 seeds (and 300 more under ASan+UBSan),
# must not fail.
# Usage: ci/check-explore.sh BUILD_DIR
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() {
  echo "FAIL: $*"
  bad=1
}
for planted in "echo echo-drop7 mgsim-planted" "http-static http-twice mgsim-planted" \
  "ws-echo ws-ping-frag mgsim-planted" "timer timer-leak mgsim-planted-asan"; do
  read -r role app bin <<<"$planted"
  out=$tmp/$app
  "$build/$bin" explore --apps "$role" --as "$role=$app" --seeds 1-300 --out "$out" \
    >"$tmp/log" 2>&1
  rc=$?
  first=$(grep -m1 '^FAIL seed' "$tmp/log" | sed 's/.*(\(.*\))$/\1/')
  if [ "$rc" -ne 1 ] || [ -z "$first" ] || [ ! -f "$first" ]; then
    fail "$app: explore did not find the bug in 300 seeds (status $rc): $(tail -2 "$tmp/log")"
    continue
  fi
  want=$("$build/$bin" run "$first" 2>/dev/null | sed -n 2p | sed 's/^[^:]*:[0-9]*: //')
  if ! "$build/$bin" shrink "$first" --out "$out/min.scn" >"$tmp/shrink.log" 2>&1; then
    fail "$app: shrink failed: $(tail -2 "$tmp/shrink.log")"
    continue
  fi
  lines=$(grep -cvE '^(#|[+@][0-9.]+[a-z]*$|$)' "$out/min.scn")
  [ "$lines" -le 10 ] || fail "$app: shrunk to $lines command lines (wanted at most 10)"
  got=$("$build/$bin" run "$out/min.scn" 2>/dev/null | sed -n 2p | sed 's/^[^:]*:[0-9]*: //')
  [ "$got" = "$want" ] || fail "$app: the shrunk scenario fails with '$got', not '$want'"
  echo "$app: found at $(basename "$first"), shrunk to $lines lines"
done
"$build/mgsim" explore --seeds 1-1000 --out "$tmp/real" >"$tmp/log" 2>&1 ||
  fail "the real apps fail under explore: $(grep -m3 '^FAIL' "$tmp/log")"
tail -1 "$tmp/log"
# And under ASan+UBSan, where a leak after mg_mgr_free fails a seed too.
"$build/mgsim-asan" explore --seeds 1001-1300 --out "$tmp/real-asan" >"$tmp/log" 2>&1 ||
  fail "the real apps fail under explore (ASan): $(grep -m3 '^FAIL' "$tmp/log")"
tail -1 "$tmp/log"
exit "$bad"
