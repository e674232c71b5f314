#!/usr/bin/env bash
# Runs the examples the way a user would: the timer ticks and ends, and both
# builds of the echo server echo over a real TCP connection.
# Usage: ci/check-examples.sh BUILD_DIR
set -eu
build=$1
out=$("$build/examples/timer" 3 0.05)
echo "$out"
[ "$(grep -c '^tick: due' <<<"$out")" -eq 3 ]
grep -qx done <<<"$out"

check_echo() { # BINARY PORT
  local pid reply
  "$1" "127.0.0.1:$2" >/dev/null &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 100); do
    if exec 3<>"/dev/tcp/127.0.0.1/$2" 2>/dev/null; then break; fi
    sleep 0.05
  done
  printf 'ping %s\n' "$1" >&3
  read -r -t 5 reply <&3
  exec 3<&-
  echo "$(basename "$1"): $reply"
  [ "$reply" = "ping $1" ]
}
port=$((20000 + RANDOM % 10000))
check_echo "$build/examples/echo_server" "$port"
check_echo "$build/examples/echo_server_poll" "$((port + 1))"
