#!/usr/bin/env bash
# mgsim record with real clients: curl against simplest_web_server and the
# npm `ws` client (tests/node/ws_record.mjs) against websocket_chat, in echo
# and in chat mode, each through the recording proxy. Every recording must
# hold the peers, sends and expectations the session had, replay with
# `mgsim run`, and fail to replay once one byte of it is changed. Clients
# and servers that vanish mid-stream still leave a scenario that parses; a
# recording larger than a scenario file may be is written all the same but
# ends with status 2; bad addresses and unwritable output are refused
# before anything listens.
# One "ok ..." or "FAIL ..." line per check, then "N passed, N failed".
#
# Usage: ci/check-record.sh BUILD_DIR
#
# Needs curl, node and npm; records with BUILD_DIR/mgsim-asan when it is
# there (ASan+UBSan, leaks included), replays with BUILD_DIR/mgsim.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd) || exit 2
# shellcheck source=ci/server-lib.sh
. "$ROOT/ci/server-lib.sh"
# The app lines name examples/web_root from here (mgsim record rewrites it
# for the scenario's folder).
cd "$ROOT" || exit 2

check_begin check-record

mgsim=$build/mgsim
recorder=$build/mgsim-asan
[ -x "$recorder" ] || recorder=$mgsim
for bin in "$mgsim" "$build/examples/simplest_web_server" "$build/examples/websocket_chat"; do
  if [ ! -x "$bin" ]; then
    fail "$bin missing (build it first)"
    finish
  fi
done
for tool in curl node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    fail "tool $tool missing (install it with: ci/deps.sh interop)"
    finish
  fi
done
nodedir=$ROOT/tests/node
if [ ! -d "$nodedir/node_modules/ws" ]; then
  if ! timeout 300 npm ci --prefix "$nodedir" --no-audit --no-fund >"$TMPD/npm" 2>&1; then
    fail "npm ci --prefix tests/node:"
    tail -20 "$TMPD/npm" | sed 's/^/    /'
    finish
  fi
fi

# ---- helpers ---------------------------------------------------------------

# record_start NAME OUT TARGET_PORT APP [OPTION...]: the proxy on a free
# port (REC_PID, REC_PORT), to 127.0.0.1:TARGET_PORT.
record_start() {
  local name=$1 out=$2 target=$3 app=$4
  shift 4
  if ! start_server "mgsim record ($name)" "$TMPD/$name.rec.log" "$recorder" record \
    --listen "127.0.0.1:{PORT}" --to "127.0.0.1:$target" --app "$app" "$@" "$out"; then
    fail "$name: mgsim record started"
    return 1
  fi
  REC_PID=$SRV_PID
  REC_PORT=$SRV_PORT
}

# record_wait NAME [SIGNAL]: signals the proxy (with SIGNAL) or waits for
# it to stop by itself (--count), at most 20 s; its status in REC_RC.
record_wait() {
  local name=$1 sig=${2:-}
  [ -n "$sig" ] && kill "-$sig" "$REC_PID" 2>/dev/null
  for _ in $(seq 1 200); do
    kill -0 "$REC_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$REC_PID" 2>/dev/null; then
    fail "$name: mgsim record still running after 20 s; its output:"
    sed 's/^/    /' "$TMPD/$name.rec.log"
    stop_pid "$REC_PID"
    return 1
  fi
  wait "$REC_PID"
  REC_RC=$?
}

# record_end NAME [SIGNAL]: record_wait; ok when it exits 0.
record_end() {
  local name=$1 sig=${2:-} rc
  record_wait "$name" "$sig" || return 1
  rc=$REC_RC
  if [ "$rc" -ne 0 ]; then
    fail "$name: mgsim record exited $rc; its output:"
    sed 's/^/    /' "$TMPD/$name.rec.log" | tail -40
    return 1
  fi
  ok "$name: mgsim record ended${sig:+ on SIG$sig} and wrote the scenario"
}

# lines FILE ERE: how many lines of FILE match
lines() { grep -cE -- "$2" "$1"; }

# counts NAME FILE PEERS SENDS: the peers and sends a recording must hold
# (SENDS+: at least SENDS), and as many expectation lines as the recorder
# said it wrote.
counts() {
  local name=$1 f=$2 peers sends exp said want_sends=${4%+}
  peers=$(lines "$f" '^(\+[^ ]+ )?peer c[0-9]+ connect 10\.0\.0\.1:80$')
  sends=$(lines "$f" '^(\+[^ ]+ )?peer c[0-9]+ send ')
  exp=$(lines "$f" '^(\+[^ ]+ )?expect ')
  said=$(sed -n 's/^wrote .*: [0-9]* peers\{0,1\}, [0-9]* sends, \([0-9]*\) expectations$/\1/p' \
    "$TMPD/$name.rec.log")
  if [ "$peers" -eq "$3" ] && [ "$exp" -gt 0 ] && [ "$exp" = "$said" ] &&
    { [ "$sends" -eq "$want_sends" ] || { [ "$4" != "$want_sends" ] && [ "$sends" -gt "$want_sends" ]; }; }; then
    ok "$name: $peers peers, $sends sends, $exp expectations, as recorded"
  else
    fail "$name: $peers peers, $sends sends, $exp expectations (the recorder said '$said'), want $3 peers and $4 sends:"
    cut -c1-160 "$f" | sed 's/^/    /'
  fi
}

# has NAME FILE ERE WHAT [N]: FILE has N (default: at least one) such lines.
has() {
  local n
  n=$(lines "$2" "$3")
  if { [ -z "${5:-}" ] && [ "$n" -gt 0 ]; } || [ "$n" = "${5:-x}" ]; then
    ok "$1: $4"
  else
    fail "$1: $4: $n lines match '$3' in:"
    cut -c1-160 "$2" | sed 's/^/    /'
  fi
}

# replays NAME FILE: mgsim run passes it.
replays() {
  local out rc
  out=$(timeout 60 "$mgsim" run "$2" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ] && grep -q '^1 passed, 0 failed$' <<<"$out"; then
    ok "$1: the recording replays ($(grep '^ok ' <<<"$out" | sed 's/.*(\(.*\))/\1/'))"
  else
    fail "$1: the recording does not replay (status $rc):"
    head -30 <<<"$out" | sed 's/^/    /'
  fi
}

# breaks NAME FILE LINE_ERE SED_EXPR WHAT: with SED_EXPR applied to the
# first line matching LINE_ERE, the replay must fail (status 1).
breaks() {
  local name=$1 f=$2 bad=$TMPD/broken.scn n out rc
  n=$(grep -nE -- "$3" "$f" | head -1 | cut -d: -f1)
  if [ -z "$n" ]; then
    fail "$name: no line matches '$3' to change"
    return
  fi
  sed "${n}{$4}" "$f" >"$bad"
  if cmp -s "$f" "$bad"; then
    fail "$name: '$4' changed nothing on line $n"
    return
  fi
  out=$(timeout 60 "$mgsim" run "$bad" 2>&1)
  rc=$?
  if [ "$rc" -eq 1 ] && grep -q '^0 passed, 1 failed$' <<<"$out"; then
    ok "$name: $5: the replay fails ($(sed -n 2p <<<"$out" | sed 's/^[^:]*:[0-9]*: //' | cut -c1-90))"
  else
    fail "$name: $5: the replay still passes or fails otherwise (status $rc):"
    head -10 <<<"$out" | sed 's/^/    /'
  fi
  cp "$bad" "$TMPD/$name.broken.scn"
}

# parses NAME FILE: mgsim check accepts it.
parses() {
  local out
  if out=$(timeout 20 "$mgsim" check "$2" 2>&1); then
    ok "$1: the recording parses (mgsim check)"
  else
    fail "$1: the recording does not parse:"
    printf '%s\n' "$out" | sed 's/^/    /'
    cut -c1-160 "$2" | sed 's/^/    /'
  fi
}

# refused NAME WANT_TEXT ARGS...: mgsim record exits 2 at once with WANT_TEXT.
refused() {
  local name=$1 text=$2 out rc
  shift 2
  out=$(timeout 10 "$recorder" record "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq 2 ] && grep -qF -- "$text" <<<"$out"; then
    ok "refused: $name (status 2: $(head -1 <<<"$out" | cut -c1-100))"
  else
    fail "refused: $name: status $rc, want 2 and '$text':"
    head -5 <<<"$out" | sed 's/^/    /'
  fi
}

APP_STATIC="http-static tcp://10.0.0.1:80 examples/web_root"

# ---- curl against simplest_web_server ---------------------------------------

if start_server simplest_web_server "$TMPD/http.log" \
  "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" examples/web_root; then
  web=$SRV_PORT
  scn=$TMPD/http.scn
  if record_start http "$scn" "$web" "$APP_STATIC" --count 2; then
    base=http://127.0.0.1:$REC_PORT
    # Keep-alive: two URLs on one connection (a file, then a 404); then a HEAD.
    codes=$(curl -sS --max-time 10 -w '%{http_code} ' -o "$TMPD/index.html" "$base/index.html" \
      -o /dev/null "$base/nope")
    head=$(curl -sS --max-time 10 -I -o /dev/null -w '%{http_code}' "$base/")
    if [ "$codes" = "200 404 " ] && [ "$head" = 200 ] &&
      cmp -s "$TMPD/index.html" examples/web_root/index.html; then
      ok "http: curl through the proxy: 200 (the file, byte-exact), 404, HEAD 200"
    else
      fail "http: curl through the proxy: '$codes' '$head', want '200 404 ' '200' and the file"
    fi
    if record_end http; then
      counts http "$scn" 2 3
      has http "$scn" '^(\+[^ ]+ )?peer c[12] close$' "both clients' FINs" 2
      has http "$scn" '^(\+[^ ]+ )?expect peer c[12] fin$' "the server's FIN on both" 2
      has http "$scn" '^(\+[^ ]+ )?expect peer c1 got "HTTP/1.1 404 Not Found\\r\\n"$' "the 404's status line"
      has http "$scn" 'got-match "\^Date:' "Date matched by pattern in each reply" 3
      has http "$scn" 'got-match "\^ETag:' "ETag matched by pattern in each file reply" 2
      has http "$scn" 'got-match "\^Last-Modified:' "Last-Modified likewise" 2
      has http "$scn" '^(\+[^ ]+ )?expect peer c[12] got "Server: Mongoose/6\.18\\r\\n' "Server matched exactly"
      root=$(sed -n 's/^app http-static tcp:\/\/10\.0\.0\.1:80 //p' "$scn")
      if [ -n "$root" ] && [ "$(cd "$TMPD" && realpath "$root")" = "$ROOT/examples/web_root" ]; then
        ok "http: the document root is written relative to the scenario ($root)"
      else
        fail "http: the app line names '$root', not examples/web_root from $TMPD"
      fi
      replays http "$scn"
      breaks http "$scn" '^(\+[^ ]+ )?expect peer c1 got ".*Not Found\\n"$' \
        's/Not Found\\n"$/Not Fouxd\\n"/' "one byte of an expected answer changed"
      breaks http "$scn" '^(\+[^ ]+ )?peer c1 send "GET /index\.html ' \
        's/GET \/index\.html /GET \/indey.html /' "one byte the client sent changed"
    fi
  fi
else
  fail "simplest_web_server started"
fi

# ---- the ws client against websocket_chat (echo, then chat) ------------------

if start_server websocket_chat "$TMPD/echo.log" \
  "$build/examples/websocket_chat" "127.0.0.1:{PORT}" examples/web_root echo; then
  scn=$TMPD/ws_echo.scn
  if record_start ws-echo "$scn" "$SRV_PORT" "ws-echo tcp://10.0.0.1:80" --count 1; then
    if timeout 60 node "$nodedir/ws_record.mjs" "ws://127.0.0.1:$REC_PORT/ws" echo \
      >"$TMPD/node_echo" 2>&1; then
      ok "ws-echo: the node ws session through the proxy ($(grep -c '^ok ' "$TMPD/node_echo") steps)"
    else
      fail "ws-echo: the node ws session:"
      sed 's/^/    /' "$TMPD/node_echo"
    fi
    if record_end ws-echo; then
      # the handshake, a text, a binary, a ping and a close frame
      counts ws-echo "$scn" 1 5
      has ws-echo "$scn" '^(\+[^ ]+ )?peer c1 send hex "8[12][0-9a-f]*"$' \
        "masked frames sent as recorded, two hex digits a byte" 2
      has ws-echo "$scn" 'got "HTTP/1\.1 101 Switching Protocols\\r\\n.*Sec-WebSocket-Accept: ' \
        "the 101 with its Sec-WebSocket-Accept, exactly" 1
      has ws-echo "$scn" '^(\+[^ ]+ )?expect peer c1 got "\\x81\\x0fhello, recorder"$' "the text echoed"
      has ws-echo "$scn" '^(\+[^ ]+ )?expect peer c1 fin$' "the server's FIN after the close"
      replays ws-echo "$scn"
      # The last byte of the masked text frame: the echo comes back different.
      breaks ws-echo "$scn" '^(\+[^ ]+ )?peer c1 send hex "81' \
        's/\([0-9a-f]\)[0-9a-e]"$/\1f"/;t;s/\([0-9a-f]\)f"$/\10"/' \
        "one byte of a masked frame changed"
    fi
  fi
else
  fail "websocket_chat echo started"
fi

if start_server websocket_chat "$TMPD/chat.log" \
  "$build/examples/websocket_chat" "127.0.0.1:{PORT}" examples/web_root; then
  scn=$TMPD/ws_chat.scn
  if record_start ws-chat "$scn" "$SRV_PORT" "ws-chat tcp://10.0.0.1:80" --count 2; then
    if timeout 60 node "$nodedir/ws_record.mjs" "ws://127.0.0.1:$REC_PORT/ws" chat \
      >"$TMPD/node_chat" 2>&1; then
      ok "ws-chat: two node ws clients through the proxy ($(grep -c '^ok ' "$TMPD/node_chat") steps)"
    else
      fail "ws-chat: the node ws session:"
      sed 's/^/    /' "$TMPD/node_chat"
    fi
    if record_end ws-chat; then
      # two handshakes, a message each, two close frames
      counts ws-chat "$scn" 2 6
      has ws-chat "$scn" '^(\+[^ ]+ )?expect peer c1 got .*(\+\+\+ joined|2b2b2b206a6f696e6564)' \
        "c1 told c2 joined"
      has ws-chat "$scn" '^(\+[^ ]+ )?expect peer c2 got .*(hi from a|68692066726f6d2061)' \
        "c1's message broadcast to c2"
      has ws-chat "$scn" '^(\+[^ ]+ )?expect peer c1 got .*(--- left|2d2d2d206c656674)' \
        "c1 told c2 left"
      replays ws-chat "$scn"
    fi
  fi
else
  fail "websocket_chat started"
fi

# ---- clients and servers that vanish -----------------------------------------

www=$TMPD/root
mkdir -p "$www"
head -c 3000000 /dev/zero | tr '\0' 'x' >"$www/big.txt"
if start_server simplest_web_server "$TMPD/vanish.log" \
  "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" "$www"; then
  scn=$TMPD/vanish_client.scn
  if record_start vanish-client "$scn" "$SRV_PORT" "http-static tcp://10.0.0.1:80 $www"; then
    # Half a request, then the client is killed: its kernel sends a FIN.
    # shellcheck disable=SC2016  # $1 is the inner shell's argument
    (timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET /big.txt HTTP/1.1\r\nHo" >&3; sleep 0.2; kill -KILL $$' _ "$REC_PORT" \
      >/dev/null 2>&1; :) 2>/dev/null
    # A download that reads nothing and is killed: the bytes it left unread
    # make its kernel send a RST.
    # shellcheck disable=SC2016
    (timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\n" >&3; sleep 0.5; kill -KILL $$' _ \
      "$REC_PORT" >/dev/null 2>&1; :) 2>/dev/null
    sleep 0.3
    if record_end vanish-client INT; then
      parses vanish-client "$scn"
      # bash's printf may write a request in pieces
      counts vanish-client "$scn" 2 2+
      has vanish-client "$scn" '^(\+[^ ]+ )?peer c1 close$' "the killed client's FIN"
      has vanish-client "$scn" '^(\+[^ ]+ )?peer c2 reset$' "the killed download's RST"
    fi
  fi
  stop_pid "$SRV_PID"
else
  fail "simplest_web_server (vanishing clients) started"
fi

if start_server simplest_web_server "$TMPD/vanish2.log" \
  "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" "$www"; then
  victim=$SRV_PID
  scn=$TMPD/vanish_server.scn
  if record_start vanish-server "$scn" "$SRV_PORT" "http-static tcp://10.0.0.1:80 $www"; then
    # The client waits for an answer that never comes: the server is killed.
    # shellcheck disable=SC2016
    timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET /big.txt HTTP/1.1\r\nHo" >&3; cat <&3 >/dev/null' _ "$REC_PORT" \
      >/dev/null 2>&1 &
    cpid=$!
    sleep 0.5
    kill -KILL "$victim"
    wait "$cpid" 2>/dev/null
    crc=$?
    if [ "$crc" -eq 0 ]; then
      ok "vanish-server: the client saw the end of the connection"
    else
      fail "vanish-server: the client saw no end of the connection (status $crc)"
    fi
    if record_end vanish-server TERM; then
      parses vanish-server "$scn"
      counts vanish-server "$scn" 1 1+
      has vanish-server "$scn" '^(\+[^ ]+ )?expect peer c1 (fin|rst)$' "the server's end expected"
    fi
  fi
else
  fail "simplest_web_server (to be killed) started"
fi

# ---- a recording larger than a scenario may be --------------------------------

# 2.5 MB of random bytes uploaded: mostly binary, so written as hex, two
# digits a byte, which is over the 4 MiB a scenario file may hold. The
# recording is written all the same (it is the only copy of the session),
# but the status says that it will not load.
upload=$TMPD/upload.bin
head -c 2500000 /dev/urandom >"$upload"
if start_server simplest_web_server "$TMPD/large.log" \
  "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" "$www"; then
  scn=$TMPD/large.scn
  if record_start large "$scn" "$SRV_PORT" "http-static tcp://10.0.0.1:80 $www" --count 1; then
    # The static server refuses the POST; what matters is what was sent.
    curl -sS --max-time 20 -H 'Expect:' --data-binary "@$upload" -o /dev/null \
      "http://127.0.0.1:$REC_PORT/upload" >"$TMPD/large.curl" 2>&1
    if record_wait large; then
      if [ "$REC_RC" -eq 2 ] &&
        grep -qF 'the recording is larger than a scenario may be' "$TMPD/large.rec.log"; then
        ok "large: mgsim record exits 2: $(grep -F 'larger than a scenario' "$TMPD/large.rec.log" |
          sed 's/^mgsim record: //' | cut -c1-100)"
      else
        fail "large: mgsim record exited $REC_RC, want 2 and that the recording is too large:"
        sed 's/^/    /' "$TMPD/large.rec.log" | tail -20
      fi
      size=$(stat -c %s "$scn" 2>/dev/null || echo 0)
      if [ "$size" -gt $((4 * 1024 * 1024)) ] &&
        grep -q "^wrote $scn: 1 peer, " "$TMPD/large.rec.log"; then
        ok "large: the recording is written all the same ($size bytes)"
      else
        fail "large: $scn holds $size bytes, want the whole recording (over 4 MiB)"
      fi
      leftover=$(find "$TMPD" -maxdepth 1 -name 'large.scn.*' | head -3)
      if [ -z "$leftover" ]; then
        ok "large: no temporary file left beside it"
      else
        fail "large: temporary files left: $leftover"
      fi
      has large "$scn" '^(\+[^ ]+ )?peer c1 send hex "([0-9a-f]{2})+"$' "the upload sent as dense hex"
      # Every send is hex: together they are the request, the upload last.
      od -An -v -tx1 "$upload" | tr -d ' \n' >"$TMPD/upload.hex"
      if sed -n 's/^\(+[^ ]* \)\{0,1\}peer c1 send hex "\([0-9a-f]*\)"$/\2/p' "$scn" |
        tr -d '\n' | tail -c 5000000 | cmp -s - "$TMPD/upload.hex"; then
        ok "large: the hex holds the uploaded bytes exactly"
      else
        fail "large: the hex sends do not end with the uploaded bytes"
      fi
      out=$(timeout 20 "$mgsim" check "$scn" 2>&1)
      rc=$?
      if [ "$rc" -eq 2 ] && grep -qF 'larger than 4194304 bytes' <<<"$out"; then
        ok "large: mgsim check refuses it, as the recorder said"
      else
        fail "large: mgsim check: status $rc, want 2 and 'larger than 4194304 bytes':"
        head -5 <<<"$out" | sed 's/^/    /'
      fi
    fi
  fi
  stop_pid "$SRV_PID"
else
  fail "simplest_web_server (large upload) started"
fi

# ---- bad input ---------------------------------------------------------------

refused "output in a missing folder" "cannot write $TMPD/no/such/x.scn" \
  --listen 127.0.0.1:1 --to 127.0.0.1:1 --app "$APP_STATIC" "$TMPD/no/such/x.scn"
refused "output that is a folder" "cannot write $TMPD" \
  --listen 127.0.0.1:1 --to 127.0.0.1:1 --app "$APP_STATIC" "$TMPD"
refused "a listen address that is none" "--listen 'nowhere' is not a numeric TCP address" \
  --listen nowhere --to 127.0.0.1:1 --app "$APP_STATIC" "$TMPD/x.scn"
refused "a target without a port" "--to '127.0.0.1' is not a numeric TCP address" \
  --listen 127.0.0.1:1 --to 127.0.0.1 --app "$APP_STATIC" "$TMPD/x.scn"
refused "an unknown app" "no app named 'nope'" \
  --listen 127.0.0.1:1 --to 127.0.0.1:1 --app "nope tcp://10.0.0.1:80" "$TMPD/x.scn"
refused "an app root that is no folder" "is not a readable directory" \
  --listen 127.0.0.1:1 --to 127.0.0.1:1 --app "http-static tcp://10.0.0.1:80 /nonexistent" \
  "$TMPD/x.scn"
if [ -e "$TMPD/x.scn" ]; then
  fail "refused: a refused recording left $TMPD/x.scn behind"
else
  ok "refused: no output file left behind"
fi

finish
