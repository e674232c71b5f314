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

# ---- http_client, websocket_client and echo_server against hostile peers --
# Each run is bounded by `timeout`, so a client that waits for ever fails
# the check instead of hanging it; each failure must exit non-zero and say
# why on stderr.
tmp=$(mktemp -d)
srv_pids=()
cleanup() {
  local p
  for p in "${srv_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A scripted server on 127.0.0.1 that treats every connection as MODE says;
# sets $srv_port. It gives up by itself after a minute.
serve() { # MODE
  local portfile="$tmp/port.$1"
  python3 - "$1" "$portfile" <<'PY' &
import os, socket, sys, threading, time
mode, portfile = sys.argv[1], sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", 0))
held = []
if mode == "backlog":
    # A full accept queue: the kernel drops further SYNs, so a connect
    # neither succeeds nor fails.
    s.listen(0)
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(s.getsockname())
        except BlockingIOError:
            pass
        held.append(c)
    time.sleep(0.3)
else:
    s.listen(8)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
threading.Timer(60, lambda: os._exit(0)).start()
big = b"x" * 5000000

def handle(c):
    c.recv(65536)
    if mode == "silent" or mode == "backlog":
        held.append(c)
        return
    if mode == "close":
        c.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + big)
    elif mode == "length":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n" + big)
    elif mode == "truncated":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + big[:50])
    elif mode == "mid-chunk":
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + big[:50])
    elif mode == "garbage":
        c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    elif mode == "reset":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
        time.sleep(0.2)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    elif mode == "ws403":
        c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n")
    c.close()

while mode == "backlog":
    time.sleep(1)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
  srv_pids+=($!)
  for _ in $(seq 200); do
    [ -s "$portfile" ] && break
    sleep 0.05
  done
  srv_port=$(cat "$portfile")
}

# Runs a client; checks its exit status is non-zero (or 0 when STATUS is 0)
# and that stderr has TEXT.
expect_run() { # STATUS TEXT COMMAND...
  local want=$1 text=$2 rc=0
  shift 2
  timeout 20 "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  echo "$(basename "$1") ${*:2}: exit $rc: $(head -c 300 "$tmp/err")"
  if [ "$rc" -eq 124 ]; then echo "  hung"; return 1; fi
  if [ "$want" = 0 ] && [ "$rc" -ne 0 ]; then return 1; fi
  if [ "$want" != 0 ] && [ "$rc" -eq 0 ]; then return 1; fi
  [ -z "$text" ] || grep -qF -- "$text" "$tmp/err" || { echo "  stderr lacks: $text"; return 1; }
}

hc=$build/examples/http_client
wc=$build/examples/websocket_client

serve silent
expect_run 1 "timed out waiting for the reply" "$hc" -t 1 "http://127.0.0.1:$srv_port/"
expect_run 1 "timed out waiting for the reply" "$wc" -t 1 "ws://127.0.0.1:$srv_port/" hi
serve backlog
expect_run 1 "timed out connecting to 127.0.0.1:$srv_port" "$hc" -t 1 "http://127.0.0.1:$srv_port/"
expect_run 1 "timed out connecting to 127.0.0.1:$srv_port" "$wc" -t 1 "ws://127.0.0.1:$srv_port/" hi

# Bodies larger than recv_mbuf_limit (4 MiB) stream through, every byte.
serve close
expect_run 0 "" "$hc" -t 10 "http://127.0.0.1:$srv_port/"
[ "$(wc -c <"$tmp/out")" -eq 5000000 ] || { echo "  close-delimited: $(wc -c <"$tmp/out") bytes"; exit 1; }
serve length
expect_run 0 "" "$hc" -t 10 "http://127.0.0.1:$srv_port/"
[ "$(wc -c <"$tmp/out")" -eq 5000000 ] || { echo "  Content-Length: $(wc -c <"$tmp/out") bytes"; exit 1; }

serve truncated
expect_run 1 "truncated reply" "$hc" -t 5 "http://127.0.0.1:$srv_port/"
serve mid-chunk
expect_run 1 "truncated reply" "$hc" -t 5 "http://127.0.0.1:$srv_port/"
serve garbage
expect_run 1 "bad reply from 127.0.0.1:$srv_port" "$hc" -t 5 "http://127.0.0.1:$srv_port/"
serve reset
expect_run 1 "connection reset by 127.0.0.1:$srv_port" "$hc" -t 5 "http://127.0.0.1:$srv_port/"
serve ws403
expect_run 1 "WebSocket handshake with 127.0.0.1:$srv_port failed: HTTP status 403 Forbidden" \
  "$wc" -t 5 "ws://127.0.0.1:$srv_port/" hi

expect_run 1 "cannot resolve no-such-host.invalid" "$hc" -t 5 "http://no-such-host.invalid/"
expect_run 1 "cannot resolve no-such-host.invalid" "$wc" -t 5 "ws://no-such-host.invalid/" hi
expect_run 1 "TLS is not supported" "$hc" "https://127.0.0.1/"
expect_run 1 "TLS is not supported" "$wc" "wss://127.0.0.1/" hi

# The port the silent server holds is in use: the system's reason shows.
expect_run 1 "Address already in use" "$build/examples/echo_server" "127.0.0.1:$srv_port"
echo "examples under hostile peers: ok"
