#!/usr/bin/env bash
# The chat page in headless Chromium: starts websocket_chat (broadcast mode,
# document root examples/web_root) on a free 127.0.0.1 port and runs
# tests/node/browser_chat.mjs, which opens the page twice, sends a message
# from one page and waits for it on the other, and saves a screenshot to
# BUILD_DIR/browser_chat.png. One "ok ..." or "FAIL ..." line per check, then
# "N passed, N failed"; the exit status is non-zero when any check failed.
#
# Usage: ci/check-browser.sh BUILD_DIR
#
# Needs /usr/bin/chromium (ci/deps.sh browser), node and npm (ci/deps.sh
# interop); `npm ci` runs in tests/node when its node_modules is missing.
# CHROMIUM overrides the browser's path.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd) || exit 2
# shellcheck source=ci/server-lib.sh
. "$ROOT/ci/server-lib.sh"

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
check_begin check-browser

missing=0
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    fail "tool $tool missing (install it with: ci/deps.sh interop)"
    missing=1
  fi
done
if [ ! -x "$CHROMIUM" ]; then
  fail "$CHROMIUM missing (install it with: ci/deps.sh browser)"
  missing=1
fi
if [ ! -x "$build/examples/websocket_chat" ]; then
  fail "$build/examples/websocket_chat missing (run make all first)"
  missing=1
fi
[ "$missing" -eq 0 ] || finish

nodedir=$ROOT/tests/node
if [ ! -d "$nodedir/node_modules/playwright-core" ] || [ ! -d "$nodedir/node_modules/ws" ]; then
  if timeout 300 npm ci --prefix "$nodedir" --no-audit --no-fund >"$TMPD/npm" 2>&1; then
    ok "npm ci --prefix tests/node"
  else
    fail "npm ci --prefix tests/node:"
    tail -20 "$TMPD/npm" | sed 's/^/    /'
    finish
  fi
fi

if ! start_server websocket_chat "$TMPD/chat.log" \
  "$build/examples/websocket_chat" "127.0.0.1:{PORT}" "$ROOT/examples/web_root"; then
  fail "websocket_chat started"
  finish
fi
ok "websocket_chat started on 127.0.0.1:$SRV_PORT"

shot=$build/browser_chat.png
rm -f "$shot"
timeout 120 node "$nodedir/browser_chat.mjs" "http://127.0.0.1:$SRV_PORT/" "$shot" \
  >"$TMPD/node" 2>&1
rc=$?
grep -E '^(ok|FAIL|#) ' "$TMPD/node"
n_ok=$(grep -c '^ok ' "$TMPD/node")
n_fail=$(grep -c '^FAIL ' "$TMPD/node")
passed=$((passed + n_ok))
failed=$((failed + n_fail))
if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
  fail "node browser_chat.mjs: exit $rc:"
  tail -20 "$TMPD/node" | sed 's/^/    /'
fi
if [ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
  ok "screenshot is a PNG ($(stat -c %s "$shot") bytes)"
else
  fail "no PNG screenshot at $shot"
fi
if kill -0 "$SRV_PID" 2>/dev/null; then
  ok "websocket_chat still running"
else
  fail "websocket_chat died; its output:"
  sed 's/^/    /' "$TMPD/chat.log"
fi
finish
