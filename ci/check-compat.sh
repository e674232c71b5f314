#!/usr/bin/env bash
# The Mongoose-6-style programs of tests/compat against real clients on
# 127.0.0.1: curl, the npm `ws` package (tests/node/compat_peer.mjs) and
# python3 sockets and servers. One "ok NAME" or "FAIL NAME" line per check
# (a failure is followed by what was expected and the program's log tail),
# then "N passed, N failed"; the exit status is non-zero when any failed.
#
# Usage: ci/check-compat.sh BUILD_DIR      (the programs are BUILD_DIR/compat/*)
#
# Every server is started on a free port and stopped at exit, also on
# failure; every client call has a time limit.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd) || exit 2
bin=$build/compat
# shellcheck source=ci/server-lib.sh
. "$ROOT/ci/server-lib.sh"

check_begin compat
# The FIFO's descriptor (broadcast_chat's stdin) is closed on exit as well.
trap 'exec 7>&- 2>/dev/null; stop_servers; rm -rf "$TMPD"' EXIT

C=(curl -sS --max-time 10)
nodedir=$ROOT/tests/node
hdr=$TMPD/hdr
body=$TMPD/body
LOG=""

have_node=1
for tool in curl python3 node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    fail "tool $tool missing (ci/deps.sh interop installs it)"
    [ "$tool" = node ] && have_node=0
  fi
done
if [ "$have_node" -eq 1 ] && [ ! -d "$nodedir/node_modules/ws" ]; then
  timeout 300 npm ci --prefix "$nodedir" --no-audit --no-fund >"$TMPD/npm" 2>&1 ||
    { fail "npm ci --prefix tests/node"; tail -5 "$TMPD/npm" | sed 's/^/    /'; }
  [ -d "$nodedir/node_modules/ws" ] || have_node=0
fi

# ---- helpers ---------------------------------------------------------------

log_tail() { # the current program's log, indented
  if [ -n "$LOG" ] && [ -s "$LOG" ]; then
    echo "    --- log tail ($(basename "$LOG")):"
    tail -n 12 "$LOG" | sed 's/^/    | /'
  fi
}

# same NAME WANT GOT: exact comparison of two strings.
same() {
  if [ "$2" == "$3" ]; then
    ok "$1"
  else
    fail "$1"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /' | head -30
    echo "    (< want, > got)"
    log_tail
  fi
}

# is_built NAME: the program exists (it may not link while an API is missing).
is_built() {
  if [ -x "$bin/$1" ]; then return 0; fi
  fail "$1: $bin/$1 not built (make compat failed for it)"
  return 1
}

# serve NAME ARGS...: starts $bin/NAME with ARGS ({PORT} = the port);
# sets PORT, PID and LOG.
serve() {
  local name=$1
  shift
  LOG=$TMPD/$name.log
  if start_server "$name" "$LOG" "$bin/$name" "$@"; then
    PORT=$SRV_PORT PID=$SRV_PID
    return 0
  fi
  fail "$name started"
  return 1
}

# A port no TCP or UDP socket uses.
free_port() {
  local p hex
  while :; do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    hex=$(printf ':%04X ' "$p")
    port_in_use "$p" && continue
    grep -q "$hex" /proc/net/udp /proc/net/udp6 2>/dev/null && continue
    echo "$p"
    return
  done
}

# wait_line FILE REGEX: waits up to 5 s for a matching line.
wait_line() {
  for _ in $(seq 1 100); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# term NAME PID [SIGNAL]: SIGTERM (or SIGNAL, e.g. INT) must end the program
# with status 0 within 5 s.
term() {
  local name=$1 pid=$2 sig=${3:-TERM} rc
  kill -"$sig" "$pid" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "$name: still running 5 s after SIG$sig"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return
  fi
  wait "$pid" 2>/dev/null
  rc=$?
  if [ "$rc" -eq 0 ]; then
    ok "$name: exits with 0 on SIG$sig"
  else
    fail "$name: exit status $rc after SIG$sig"
    log_tail
  fi
}

status() { awk 'NR == 1 { print $2 }' "$hdr"; }
header() {
  awk -v n="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" \
    'BEGIN { FS = ": " } { sub(/\r$/, "") } tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }' "$hdr"
}

# A python3 http.server on a directory (for the client programs).
pyhttp() { # DIR; sets PYPORT
  if start_server pyhttp "$TMPD/pyhttp.log" python3 -m http.server --bind 127.0.0.1 \
    --directory "$1" "{PORT}"; then
    PYPORT=$SRV_PORT
    return 0
  fi
  return 1
}

www=$TMPD/www
mkdir -p "$www"
printf 'plain text from python\nline two\n' >"$www/hello.txt"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$www/two-megs.bin"
PYPORT=""
if ! pyhttp "$www"; then
  fail "python3 http.server started"
fi

# ---- 1. rest_server ---------------------------------------------------------
if is_built rest_server && serve rest_server "127.0.0.1:{PORT}"; then
  base=http://127.0.0.1:$PORT
  REST_PID=$PID REST_LOG=$LOG
  same "rest_server: POST /api/v1/sum n1=2&n2=40.5" '{"result": 42.5}' \
    "$("${C[@]}" -d 'n1=2&n2=40.5' "$base/api/v1/sum")"
  same "rest_server: GET /api/v1/sum?n1=-1&n2=3" '{"result": 2}' \
    "$("${C[@]}" "$base/api/v1/sum?n1=-1&n2=3")"
  same "rest_server: POST without n2 -> 400" '400 {"error": "n1 and n2 required"}' \
    "$("${C[@]}" -w '%{http_code} ' -o "$body" -d 'n1=1' "$base/api/v1/sum"; cat "$body")"
  got=$("${C[@]}" -D "$hdr" -H 'Content-Type: text/x-test' --data-binary 'hello, world' \
    "$base/api/v1/echo")
  same "rest_server: /api/v1/echo returns the body and its type" \
    'hello, world|text/x-test|POST' "$got|$(header Content-Type)|$(header X-Echo-Method)"
  same "rest_server: unknown path -> 404" '404 {"error": "no such endpoint"}' \
    "$("${C[@]}" -w '%{http_code} ' -o "$body" "$base/api/v2/other"; cat "$body")"
fi

[ -n "${REST_PID:-}" ] && LOG=$REST_LOG && term rest_server "$REST_PID" INT

# ---- 2. threaded_server -----------------------------------------------------
if is_built threaded_server && serve threaded_server "127.0.0.1:{PORT}" 3; then
  want="" pids=""
  for n in 1 10 100 1000 31 7; do
    want+="job $n: sum of squares 1..$n = $((n * (n + 1) * (2 * n + 1) / 6))"$'\n'
    "${C[@]}" "http://127.0.0.1:$PORT/job?n=$n" >"$TMPD/job.$n" 2>&1 &
    pids+=" $!"
  done
  # shellcheck disable=SC2086
  wait $pids
  got=$(for n in 1 10 100 1000 31 7; do cat "$TMPD/job.$n"; done)
  same "threaded_server: 6 parallel jobs answered through mg_broadcast" "${want%$'\n'}" "$got"
  term threaded_server "$PID"
fi

# ---- 3. tcp_netcat against a python3 TCP server -------------------------------
cat >"$TMPD/upper_server.py" <<'EOF'
import socket, sys
port, record = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
srv.settimeout(20)
conn, _ = srv.accept()
conn.settimeout(10)
got, buf = b"", b""
while True:
    data = conn.recv(4096)
    if not data:
        break
    got += data
    buf += data
    done = False
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        if line == b"quit":
            conn.sendall(b"BYE\n")
            done = True
            break
        conn.sendall(line.upper() + b"\n")
    if done:
        break
open(record, "wb").write(got)
conn.close()
EOF
if is_built tcp_netcat; then
  if start_server upper_server "$TMPD/upper.log" python3 "$TMPD/upper_server.py" "{PORT}" \
    "$TMPD/upper.rec"; then
    LOG=$TMPD/netcat.log
    got=$(printf 'hello\nworld\nquit\n' | timeout 10 "$bin/tcp_netcat" "127.0.0.1:$SRV_PORT" 2>"$LOG")
    rc=$?
    same "tcp_netcat: stdin to the server, the server's replies to stdout (exit $rc)" \
      $'HELLO\nWORLD\nBYE\n0' "$got"$'\n'"$rc"
    sleep 0.2
    same "tcp_netcat: the server received stdin exactly" $'hello\nworld\nquit' \
      "$(cat "$TMPD/upper.rec" 2>/dev/null)"
  else
    fail "python3 TCP server started"
  fi
fi

# ---- 4. cookie_auth ---------------------------------------------------------
SECRET="s3cret-$RANDOM"
if is_built cookie_auth && serve cookie_auth "127.0.0.1:{PORT}" "$SECRET"; then
  base=http://127.0.0.1:$PORT
  "${C[@]}" -D "$hdr" -o "$body" -d 'user=admin&pass=admin-pass' "$base/login"
  cookie=$(header Set-Cookie)
  value=${cookie#session=}
  value=${value%%;*}
  same "cookie_auth: login -> 302 to / with a session cookie" \
    "302|/|; Path=/; HttpOnly" "$(status)|$(header Location)|${cookie#session="$value"}"
  mac_ok=$(python3 - "$SECRET" "$value" <<'EOF'
import hashlib, hmac, sys
secret, value = sys.argv[1], sys.argv[2]
user, expires, mac = value.split(".")
key = hashlib.sha1(b"cookie-key:" + secret.encode()).digest()
want = hmac.new(key, f"{user}.{expires}".encode(), hashlib.sha1).hexdigest()
print("match" if mac == want else f"mismatch: want {want}, got {mac}")
EOF
  )
  same "cookie_auth: cookie HMAC-SHA1 matches python's hmac" match "$mac_ok"
  same "cookie_auth: GET / with the cookie" 'Hello, admin!' \
    "$("${C[@]}" -b "session=$value" "$base/")"
  same "cookie_auth: the cookie among others" 'Hello, admin!' \
    "$("${C[@]}" -b "theme=dark; session=$value; lang=en" "$base/")"
  same "cookie_auth: tampered cookie -> 302 /login.html" '302 /login.html' \
    "$("${C[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' -b "session=guest${value#admin}" "$base/" |
      sed "s#http://127.0.0.1:$PORT##")"
  same "cookie_auth: wrong password -> 403" '403 wrong user or password' \
    "$("${C[@]}" -w '%{http_code} ' -o "$body" -d 'user=admin&pass=nope' "$base/login"; cat "$body")"
  same "cookie_auth: browser-like flow (cookie jar, follow redirects)" 'Hello, guest!' \
    "$("${C[@]}" -c "$TMPD/jar" -b "$TMPD/jar" -L -d 'user=guest&pass=guest' "$base/login")"
  term cookie_auth "$PID" INT
fi

# ---- 5. big_upload ----------------------------------------------------------
mkdir -p "$TMPD/up5" "$TMPD/src"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$TMPD/src/big.bin"
printf 'a small text file\n--not-a-boundary\r\n\r\nend\n' >"$TMPD/src/small.txt"
if is_built big_upload && serve big_upload "127.0.0.1:{PORT}" "$TMPD/up5"; then
  got=$("${C[@]}" --max-time 30 -F "file=@$TMPD/src/big.bin" -F "comment=just a field" \
    -F "second=@$TMPD/src/small.txt" "http://127.0.0.1:$PORT/upload")
  same "big_upload: curl -F of 3 MiB + a small file, the reply" \
    "big.bin: $((3 * 1024 * 1024 + 123)) bytes"$'\n'"small.txt: $(stat -c %s "$TMPD/src/small.txt") bytes" "$got"
  for f in big.bin small.txt; do
    if cmp -s "$TMPD/src/$f" "$TMPD/up5/$f"; then
      ok "big_upload: $f stored byte-exact"
    else
      fail "big_upload: $f stored: $(stat -c %s "$TMPD/up5/$f" 2>&1)"
      log_tail
    fi
  done
  term big_upload "$PID"
fi

# ---- 6. file_upload ---------------------------------------------------------
mkdir -p "$TMPD/up6"
if is_built file_upload && serve file_upload "127.0.0.1:{PORT}" "$TMPD/up6"; then
  code=$("${C[@]}" -o "$body" -w '%{http_code}' -F "file=@$TMPD/src/big.bin;filename=dir/data.bin" \
    "http://127.0.0.1:$PORT/upload")
  if [ "$code" = 200 ] && cmp -s "$TMPD/src/big.bin" "$TMPD/up6/data.bin"; then
    ok "file_upload: 200, dir/data.bin stored byte-exact as data.bin"
  else
    fail "file_upload: status $code, stored: $(stat -c %s "$TMPD/up6/data.bin" 2>&1)"
    sed 's/^/    body: /' "$body" | head -5
    log_tail
  fi
  code=$("${C[@]}" -o "$body" -w '%{http_code}' -F "file=@$TMPD/src/small.txt;filename=.hidden" \
    "http://127.0.0.1:$PORT/upload")
  same "file_upload: a refused name -> 403, nothing stored" "403 absent" \
    "$code $([ -e "$TMPD/up6/.hidden" ] && echo present || echo absent)"
  term file_upload "$PID"
fi

# ---- 7 and 23. ws_chat_client and ws_refused_client against node ws -----------
if [ "$have_node" -eq 1 ] &&
  start_server node_ws "$TMPD/node_ws.log" node "$nodedir/compat_peer.mjs" server "{PORT}"; then
  NPORT=$SRV_PORT
  if is_built ws_chat_client; then
    LOG=$TMPD/chat_client.log
    got=$(timeout 10 "$bin/ws_chat_client" "ws://127.0.0.1:$NPORT/chat" alice one 'two words' three 2>"$LOG")
    same "ws_chat_client: send, receive, server-initiated close" \
      $'> echo: alice: one\n> echo: alice: two words\n> echo: alice: three\nclose code 1000\nclosed' "$got"
    LOG=$TMPD/node_ws.log
    same "ws_chat_client: the server saw the subprotocol and the messages" \
      $'connection /chat protocol=chat\nmessage alice: one\nmessage alice: two words\nmessage alice: three\nmessage /quit' \
      "$(grep -E '^(connection|message)' "$LOG")"
  fi
  if is_built ws_refused_client; then
    LOG=""
    same "ws_refused_client: refused with 403 -> HANDSHAKE_DONE 403, then CLOSE" \
      $'handshake 403\nclosed' "$(timeout 10 "$bin/ws_refused_client" "ws://127.0.0.1:$NPORT/forbidden" 2>&1)"
    if [ -n "$PYPORT" ]; then
      same "ws_refused_client: python3 http.server answers 404 -> HANDSHAKE_DONE 404, then CLOSE" \
        $'handshake 404\nclosed' "$(timeout 10 "$bin/ws_refused_client" "ws://127.0.0.1:$PYPORT/nothing" 2>&1)"
    fi
    same "ws_refused_client: accepted -> 101, one echo, CLOSE" \
      $'handshake 101\necho echo: ping?\nclosed' \
      "$(timeout 10 "$bin/ws_refused_client" "ws://127.0.0.1:$NPORT/ok" 2>&1)"
  fi
  stop_pid "$SRV_PID"
elif [ "$have_node" -eq 1 ]; then
  fail "node ws server started"
fi

# ---- 8. udp_echo ------------------------------------------------------------
if is_built udp_echo; then
  UPORT=$(free_port)
  LOG=$TMPD/udp.log
  "$bin/udp_echo" "$UPORT" >"$LOG" 2>&1 </dev/null &
  PID=$!
  SRV_PIDS="$SRV_PIDS $PID"
  if wait_line "$LOG" '^udp echo on'; then
    got=$(timeout 10 python3 - "$UPORT" <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
msgs = [b"hello", bytes(range(256)), os.urandom(1400), b"x"]
for i, sock in enumerate([socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]):
    sock.settimeout(3)
    for j, m in enumerate(msgs):
        sock.sendto(m, ("127.0.0.1", port))
        try:
            data, peer = sock.recvfrom(4096)
        except socket.timeout:
            print(f"client {i} datagram {j}: no reply")
            continue
        print(f"client {i} datagram {j}: {'same' if data == m and peer[1] == port else 'DIFFERENT'}")
EOF
    )
    want=""
    for i in 0 1; do for j in 0 1 2 3; do want+="client $i datagram $j: same"$'\n'; done; done
    same "udp_echo: 8 datagrams from 2 python3 sockets echoed exactly" "${want%$'\n'}" "$got"
    term udp_echo "$PID"
  else
    fail "udp_echo started"
    log_tail
  fi
fi

# ---- 9. reverse_proxy ---------------------------------------------------------
if is_built reverse_proxy; then
  BPORT=$(free_port)
  if serve reverse_proxy "127.0.0.1:{PORT}" "127.0.0.1:$BPORT"; then
    got=$("${C[@]}" -D "$hdr" "http://127.0.0.1:$PORT/hello/world?x=1&y=2")
    same "reverse_proxy: GET through the front, the backend's view" \
      "GET /hello/world?x=1&y=2
Host: 127.0.0.1:$BPORT
X-Forwarded-For: 127.0.0.1
X-Forwarded-Host: 127.0.0.1:$PORT
body: |200|1.1 compat-proxy" "$got|$(status)|$(header Via)"
    same "reverse_proxy: POST body forwarded" \
      "POST /form
Host: 127.0.0.1:$BPORT
X-Forwarded-For: 127.0.0.1
X-Forwarded-Host: example.test
body: a=1&b=two words" \
      "$("${C[@]}" -H 'Host: example.test' -d 'a=1&b=two words' "http://127.0.0.1:$PORT/form")"
    term reverse_proxy "$PID"
  fi
fi

# ---- 10. timers ---------------------------------------------------------------
if is_built timers; then
  LOG=$TMPD/timers.log
  got=$(timeout 10 "$bin/timers" 5 0.1 2>"$LOG")
  same "timers: 5 ticks, a cancelled timer, a one-shot, then exit" \
    "cancelled a timer set for +0.05 s
tick 1/5
tick 2/5
halfway (2 ticks so far)
tick 3/5
tick 4/5
tick 5/5
ticker closed after 5 ticks
elapsed >= 0.5 s" "$got"
fi

# ---- 11. device_settings ------------------------------------------------------
if is_built device_settings && serve device_settings "127.0.0.1:{PORT}"; then
  base=http://127.0.0.1:$PORT
  same "device_settings: GET / shows the values in the form" \
    '<label>device_name</label> <input name="device_name" value="my device">
<label>location</label> <input name="location" value="lab">
<label>interval</label> <input name="interval" value="60">' \
    "$("${C[@]}" "$base/" | grep '^<label>')"
  "${C[@]}" -D "$hdr" -o /dev/null --data-urlencode 'device_name=<script>x</script>' \
    -d 'interval=15' "$base/save"
  same "device_settings: POST /save -> 302 to /" "302 /" "$(status) $(header Location)"
  same "device_settings: the values were updated" \
    $'device_name=<script>x</script>\nlocation=lab\ninterval=15' "$("${C[@]}" "$base/settings.txt")"
  same "device_settings: the new value is HTML-escaped in the form" \
    '<label>device_name</label> <input name="device_name" value="&lt;script&gt;x&lt;/script&gt;">' \
    "$("${C[@]}" -L "$base/" | grep '^<label>device_name')"
  term device_settings "$PID"
fi

# ---- 12. http_client ------------------------------------------------------------
if is_built http_client && [ -n "$PYPORT" ]; then
  LOG=$TMPD/http_client.log
  same "http_client: GET from python3 http.server" \
    $'status 200\nplain text from python\nline two\nrc 0' \
    "$(timeout 10 "$bin/http_client" "http://127.0.0.1:$PYPORT/hello.txt" 2>"$LOG"; echo "rc $?")"
  same "http_client: URL without a scheme" \
    $'status 200\nplain text from python\nline two\nrc 0' \
    "$(timeout 10 "$bin/http_client" "127.0.0.1:$PYPORT/hello.txt" 2>"$LOG"; echo "rc $?")"
  same "http_client: a 404" $'status 404\nrc 1' \
    "$(timeout 10 "$bin/http_client" "http://127.0.0.1:$PYPORT/missing" 2>"$LOG" | head -1; echo "rc ${PIPESTATUS[0]}")"
fi

# ---- 13. http_client_post -------------------------------------------------------
cat >"$TMPD/echo_headers.py" <<'EOF'
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n).decode()
        lines = [f"method {self.command}", f"path {self.path}"]
        for h in ("Authorization", "X-Client", "Content-Type", "Accept"):
            lines.append(f"{h.lower()}: {self.headers.get(h)}")
        lines.append(f"body: {data}")
        out = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
if is_built http_client_post; then
  if start_server echo_headers "$TMPD/echo_headers.log" python3 "$TMPD/echo_headers.py" "{PORT}"; then
    LOG=$TMPD/post.log
    same "http_client_post: user:pass@ URL, extra headers, form body" \
      "200 OK
method POST
path /submit?v=1
authorization: Basic $(printf 'user:pa55' | base64)
x-client: mongoose-compat
content-type: application/x-www-form-urlencoded
accept: text/plain
body: a=1&b=x%20y" \
      "$(timeout 10 "$bin/http_client_post" "http://user:pa55@127.0.0.1:$SRV_PORT/submit?v=1" 'a=1&b=x%20y' 2>"$LOG")"
    stop_pid "$SRV_PID"
  else
    fail "python3 header-echo server started"
  fi
fi

# ---- 14. static_server ----------------------------------------------------------
root=$TMPD/static
mkdir -p "$root/notes" "$root/conf" "$root/sub"
printf '<h1>home</h1>\n' >"$root/home.html"
printf '<h1>index</h1>\n' >"$root/index.html"
printf 'remember the milk\n' >"$root/notes/a.note"
printf 'key = value\n' >"$root/conf/x.cfg"
printf 'one\n' >"$root/sub/f1.txt"
printf 'two\n' >"$root/sub/second file.txt"
if is_built static_server && serve static_server "127.0.0.1:{PORT}" "$root"; then
  base=http://127.0.0.1:$PORT
  got=$("${C[@]}" -D "$hdr" "$base/")
  same "static_server: / serves home.html (index_files), with extra_headers" \
    '<h1>home</h1>|200|compat-static|no-cache' \
    "$got|$(status)|$(header X-Served-By)|$(header Cache-Control)"
  same "static_server: /index.html still reachable" '<h1>index</h1>' "$("${C[@]}" "$base/index.html")"
  got=$("${C[@]}" -D "$hdr" "$base/notes/a.note")
  same "static_server: custom_mime_types .note" 'remember the milk|text/x-note' \
    "$got|$(header Content-Type)"
  "${C[@]}" -D "$hdr" -o /dev/null "$base/conf/x.cfg"
  same "static_server: custom_mime_types .cfg" 'application/x-compat-config' "$(header Content-Type)"
  "${C[@]}" -D "$hdr" -o "$body" "$base/sub/"
  if [ "$(status)" = 200 ] && grep -q 'f1\.txt' "$body" && grep -qE 'second(%20| )file\.txt' "$body"; then
    ok "static_server: directory listing on by default"
  else
    fail "static_server: directory listing: status $(status), body:"
    head -c 600 "$body" | sed 's/^/    /'
  fi
  same "static_server: missing file -> 404" 404 \
    "$("${C[@]}" -o /dev/null -w '%{http_code}' "$base/nothing.here")"
  term static_server "$PID" INT
fi

# ---- 15. websocket_echo_server -------------------------------------------------
if is_built websocket_echo_server && serve websocket_echo_server "127.0.0.1:{PORT}"; then
  same "websocket_echo_server: plain GET" 'Connect a WebSocket client to /echo.' \
    "$("${C[@]}" "http://127.0.0.1:$PORT/")"
  if [ "$have_node" -eq 1 ]; then
    timeout 40 node "$nodedir/compat_peer.mjs" echo-test "ws://127.0.0.1:$PORT/echo" >"$TMPD/node_echo" 2>&1
    rc=$?
    sed 's/^\(ok\|FAIL\) /\1 websocket_echo_server: /' "$TMPD/node_echo" | grep -E '^(ok|FAIL) '
    passed=$((passed + $(grep -c '^ok ' "$TMPD/node_echo")))
    n_fail=$(grep -c '^FAIL ' "$TMPD/node_echo")
    failed=$((failed + n_fail))
    if [ "$n_fail" -ne 0 ]; then
      log_tail
    elif [ "$rc" -ne 0 ]; then
      fail "websocket_echo_server: node echo-test exit $rc"
      tail -5 "$TMPD/node_echo" | sed 's/^/    /'
    fi
    if grep -q '^control op 9: p-123$' "$LOG"; then
      ok "websocket_echo_server: the PING was seen as a control frame"
    else
      fail "websocket_echo_server: no 'control op 9: p-123' in the log"
      log_tail
    fi
  fi
  term websocket_echo_server "$PID"
fi

# ---- 16. chunked_reply ---------------------------------------------------------
if is_built chunked_reply && serve chunked_reply "127.0.0.1:{PORT}"; then
  base=http://127.0.0.1:$PORT
  got=$("${C[@]}" -D "$hdr" "$base/count?n=4&ms=30")
  same "chunked_reply: body assembled by curl" \
    $'line 1 of 4\nline 2 of 4\nline 3 of 4\nline 4 of 4|chunked' \
    "$got|$(header Transfer-Encoding)"
  "${C[@]}" --raw -o "$body" "$base/count?n=2&ms=20"
  same "chunked_reply: the chunk framing" \
    "$(printf 'c\r\nline 1 of 2\n\r\nc\r\nline 2 of 2\n\r\n0\r\n\r\n' | od -c)" "$(od -c <"$body")"
  "${C[@]}" -o "$TMPD/c1" "$base/count?n=3&ms=40" -o "$TMPD/c2" "$base/count?n=2&ms=10" &
  cpid=$!
  "${C[@]}" -o "$TMPD/c3" "$base/count?n=5&ms=15"
  wait "$cpid"
  same "chunked_reply: three requests, two on one keep-alive connection, one parallel" \
    $'line 3 of 3|line 2 of 2|line 5 of 5' \
    "$(tail -n1 "$TMPD/c1")|$(tail -n1 "$TMPD/c2")|$(tail -n1 "$TMPD/c3")"
  term chunked_reply "$PID" INT
fi

# ---- 17. raw_http_client --------------------------------------------------------
if is_built raw_http_client && [ -n "$PYPORT" ]; then
  LOG=$TMPD/raw_client.log
  same "raw_http_client: mg_connect + mg_set_protocol_http_websocket gets the reply" \
    $'HTTP 200 OK\ntype text/plain\nplain text from python\nline two\nrc 0' \
    "$(timeout 10 "$bin/raw_http_client" "127.0.0.1:$PYPORT" /hello.txt 2>"$LOG"; echo "rc $?")"
fi

# ---- 18. broadcast_chat ----------------------------------------------------------
if is_built broadcast_chat && [ "$have_node" -eq 1 ]; then
  mkfifo "$TMPD/console"
  exec 7<>"$TMPD/console"
  LOG=$TMPD/broadcast_chat.log
  # shellcheck disable=SC2016  # $@ is the inner shell's
  if start_server broadcast_chat "$LOG" bash -c 'exec "$@" <&7' _ \
    "$bin/broadcast_chat" "127.0.0.1:{PORT}"; then
    PID=$SRV_PID
    timeout 40 node "$nodedir/compat_peer.mjs" chat-test "ws://127.0.0.1:$SRV_PORT/" \
      "$TMPD/console" >"$TMPD/node_chat" 2>&1
    rc=$?
    sed 's/^\(ok\|FAIL\) /\1 broadcast_chat: /' "$TMPD/node_chat" | grep -E '^(ok|FAIL) '
    passed=$((passed + $(grep -c '^ok ' "$TMPD/node_chat")))
    n_fail=$(grep -c '^FAIL ' "$TMPD/node_chat")
    failed=$((failed + n_fail))
    if [ "$n_fail" -ne 0 ]; then
      log_tail
    elif [ "$rc" -ne 0 ]; then
      fail "broadcast_chat: node chat-test exit $rc"
      tail -5 "$TMPD/node_chat" | sed 's/^/    /'
    fi
    term broadcast_chat "$PID"
  else
    fail "broadcast_chat started"
  fi
  exec 7>&-
fi

# ---- 19. hexdump_server -----------------------------------------------------------
if is_built hexdump_server; then
  LOG=$TMPD/hexdump.log
  "$bin/hexdump_server" 127.0.0.1 "$TMPD/traffic.log" >"$LOG" 2>&1 </dev/null &
  PID=$!
  SRV_PIDS="$SRV_PIDS $PID"
  if wait_line "$LOG" '^port [0-9]+$'; then
    HPORT=$(awk '/^port / { print $2; exit }' "$LOG")
    same "hexdump_server: port 0 -> the chosen port from nc->sa" \
      "listening on 127.0.0.1:$HPORT" "$(head -1 "$LOG")"
    got=$(timeout 10 python3 - "$HPORT" <<'EOF'
import socket, sys
data = b"Hello, hexdump!\n" + bytes([0, 1, 0x7f, 0x80, 0xff]) + b" tail"
def dump(b):
    out = []
    for off in range(0, len(b), 16):
        chunk = b[off:off + 16]
        hexes = " ".join(f"{c:02x}" for c in chunk).ljust(47)
        text = "".join(chr(c) if 0x20 <= c < 0x7f else "." for c in chunk)
        out.append(f"{off:04x}  {hexes}  {text}\n")
    return "".join(out)
want = (f"{len(data)} bytes:\n" + dump(data)).encode()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(data)
got = b""
while len(got) < len(want):
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
print(f"client {s.getsockname()[1]}")
print("match" if got == want else f"mismatch:\n{got.decode(errors='replace')}\nwant:\n{want.decode()}")
s.close()
EOF
    )
    cport=$(printf '%s\n' "$got" | awk '/^client / { print $2 }')
    same "hexdump_server: the reply is the mg_hexdump of what was sent" match "$(printf '%s\n' "$got" | sed 1d)"
    sleep 0.2
    same "hexdump_server: mg_conn_addr_to_str logs both ends" \
      "accepted 127.0.0.1:$cport on 127.0.0.1:$HPORT|26 bytes from 127.0.0.1:$cport:" \
      "$(grep '^accepted' "$LOG")|$(grep 'bytes from' "$LOG")"
    if [ -s "$TMPD/traffic.log" ] && grep -q 'Hello, hexdump' "$TMPD/traffic.log"; then
      ok "hexdump_server: mgr.hexdump_file logged the traffic"
    else
      fail "hexdump_server: the traffic log is empty or lacks the data"
      head -5 "$TMPD/traffic.log" 2>/dev/null | sed 's/^/    /'
    fi
    term hexdump_server "$PID"
  else
    fail "hexdump_server: no 'port N' line"
    log_tail
  fi
fi

# ---- 20. util_tool ------------------------------------------------------------------
if is_built util_tool; then
  TEXT='héllo wörld & co/?=~(x)'
  LOG=$TMPD/util.log
  want=$(python3 - "$TEXT" alice 'p@ss:w0rd' <<'EOF'
import base64, hashlib, hmac, sys, urllib.parse
text, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
t = text.encode()
print(f"asprintf: {len(f'{text}|{len(t)}|end'.encode())} {text}|{len(t)}|end")
print("asprintf-small: 2 42 in-place")
print(f"avprintf: [{'right':>10}] [{7:<4}] [{255:x}]")
enc = "".join(chr(c) if chr(c).isalnum() and c < 128 or chr(c) in "._-$,;~()/" else f"%{c:02x}" for c in t)
print(f"url_encode: {enc}")
print(f"url_decode: {len(t)} {text}")
print(f"url_decode_form: 7 {urllib.parse.unquote_plus('a+b%20c%2Fd')}")
b64 = base64.b64encode(t).decode()
print(f"base64: {b64}")
print(f"base64_decode: {len(b64)} {text}")
print(f"cs_base64: {b64}")
print(f"md5: {hashlib.md5(t).hexdigest()}")
print(f"md5_parts: {hashlib.md5(f'{user}:{pw}'.encode()).hexdigest()}")
print(f"sha1: {hashlib.sha1(t).hexdigest()}")
print(f"hmac_sha1: {hmac.new(pw.encode(), t, hashlib.sha1).hexdigest()}")
print(f"auth_header: Authorization: Basic {base64.b64encode(f'{user}:{pw}'.encode()).decode()}\r")
EOF
  )
  same "util_tool: mg_asprintf, url/base64/md5/sha1/hmac/basic-auth helpers match python3" \
    "$want" "$(timeout 10 "$bin/util_tool" "$TEXT" alice 'p@ss:w0rd' 2>"$LOG")"
fi

# ---- 21. basic_auth_server ----------------------------------------------------------
if is_built basic_auth_server && serve basic_auth_server "127.0.0.1:{PORT}"; then
  base=http://127.0.0.1:$PORT
  same "basic_auth_server: /public" 'public page' "$("${C[@]}" "$base/public")"
  same "basic_auth_server: alice with the right password" 'Welcome, alice' \
    "$("${C[@]}" -u alice:wonderland "$base/private")"
  same "basic_auth_server: a password with colons" 'Welcome, bob' \
    "$("${C[@]}" -u 'bob:b0b:with:colons' "$base/private")"
  "${C[@]}" -D "$hdr" -o "$body" -u alice:wrong "$base/private"
  same "basic_auth_server: wrong password -> 401 with WWW-Authenticate" \
    '401|Basic realm="compat"|authentication required' \
    "$(status)|$(header WWW-Authenticate)|$(cat "$body")"
  same "basic_auth_server: no credentials -> 401" 401 \
    "$("${C[@]}" -o /dev/null -w '%{http_code}' "$base/private")"
  same "basic_auth_server: /whoami via mg_parse_http_basic_auth" 'user=bob pass-length=15|anonymous' \
    "$("${C[@]}" -u 'bob:b0b:with:colons' "$base/whoami")|$("${C[@]}" "$base/whoami")"
  term basic_auth_server "$PID" INT
fi

# ---- 22. download_client --------------------------------------------------------------
if is_built download_client && [ -n "$PYPORT" ]; then
  LOG=$TMPD/download.log
  got=$(timeout 20 "$bin/download_client" "http://127.0.0.1:$PYPORT/two-megs.bin" \
    "$TMPD/downloaded.bin" 2>"$LOG")
  same "download_client: the whole body streamed as MG_EV_HTTP_CHUNK" \
    "status 200, 2097152 bytes in several chunks" "$got"
  if cmp -s "$www/two-megs.bin" "$TMPD/downloaded.bin"; then
    ok "download_client: the 2 MiB file arrived byte-exact"
  else
    fail "download_client: the file differs ($(stat -c %s "$TMPD/downloaded.bin" 2>&1) bytes)"
    log_tail
  fi
fi

# ---- 23. header_names -----------------------------------------------------------------
if is_built header_names; then
  LOG=$TMPD/header_names.log
  same "header_names: Mongoose 6's portability names from mongoose.h alone" \
    "$(printf '%s\n' 'version 6.18' 'int64 -9007199254740993 hex ff' 'size 3 dup' \
      'signal 1' 'rand_max 1' 'path a/b' 'stat 1' 'calls 42 7 1' 'limits 1 1')" \
    "$(timeout 10 "$bin/header_names" 2>"$LOG")"
fi

# ---- 24. log_and_lists ----------------------------------------------------------------
# LOG lines start with "file:line"; the line numbers are the source's and
# are left out of the comparison.
if is_built log_and_lists; then
  LOG=$TMPD/log_and_lists.log
  same "log_and_lists: LOG levels, mg_match_prefix, comma lists, c_snprintf, base64, cs_timegm" \
    "$(printf '%s\n' 'log_and_lists.c:N starting up' \
      'match /index.html -1' 'match /API/v1/users 13' 'match /img/logo.PNG 13' \
      'match /img/logo.png.bak -1' \
      'entry [debug] [3]' 'entry [name] [demo]' 'entry [verbose] []' \
      'snprintf 15 truncated-0' 'base64 dXNlcjpwYXNz' 'timegm 1709208000' \
      'log_and_lists.c:N done')" \
    "$(timeout 10 "$bin/log_and_lists" 2>"$LOG" | sed -E 's/^log_and_lists\.c:[0-9]+ /log_and_lists.c:N /')"
fi

finish
