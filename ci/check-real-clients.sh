#!/usr/bin/env bash
# Real clients against the examples: curl and wrk against simplest_web_server,
# the npm `ws` client (tests/node/ws_test.mjs) against websocket_chat in echo
# mode. One "ok ..." or "FAIL ..." line per check, then "N passed, N failed";
# the exit status is non-zero when any check failed.
#
# Usage: ci/check-real-clients.sh BUILD_DIR
#
# Needs curl, wrk, node and npm (ci/deps.sh interop bench installs them); the
# node modules come from tests/node/package-lock.json (`npm ci` runs when
# tests/node/node_modules is missing). Servers listen on free 127.0.0.1
# ports and are stopped on exit; every client call has a time limit.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd) || exit 2
# shellcheck source=ci/server-lib.sh
. "$ROOT/ci/server-lib.sh"

check_begin real-clients

# ---- tools -----------------------------------------------------------------

have_curl=1 have_wrk=1 have_node=1
for tool in curl wrk node npm sha256sum; do
  if command -v "$tool" >/dev/null 2>&1; then
    ok "tool $tool present"
  else
    fail "tool $tool missing (install it with: ci/deps.sh interop bench)"
    case $tool in
      curl | sha256sum) have_curl=0 ;;
      wrk) have_wrk=0 ;;
      node | npm) have_node=0 ;;
    esac
  fi
done
for bin in simplest_web_server websocket_chat; do
  if [ ! -x "$build/examples/$bin" ]; then
    fail "$build/examples/$bin missing (run make all first)"
    finish
  fi
done

# ---- the document root -----------------------------------------------------

www=$TMPD/root
mkdir -p "$www/sub"
head -c 4096 /dev/urandom >"$www/small.bin"
# 65536 numbered 16-byte lines: any byte range can be checked by its offset.
seq -f '%015g' 0 65535 >"$www/big.txt"
printf '<!DOCTYPE html>\n<title>sub</title><p>the sub index</p>\n' >"$www/sub/index.html"
printf 'ampersand and angle brackets\n' >"$www/a&b<c>.txt"
SECRET="secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$SECRET" >"$TMPD/secret"
printf '%s\n' "$SECRET" >"$TMPD/secret.txt"
# Symbolic links that leave the root: to the secret, and to the root's parent.
ln -s ../secret "$www/link-to-secret"
ln -s .. "$www/link-to-parent"

sha() { sha256sum "$1" | cut -d' ' -f1; }
BIG_SHA=f879b2e770d4e56cb2bdb4ebcc16a7d95ad955923b7845bfc6ce1f8eb525dab8

if [ "$have_curl" -eq 1 ]; then
  if ! start_server simplest_web_server "$TMPD/http.log" \
    "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" "$www"; then
    fail "simplest_web_server started"
    finish
  fi
  ok "simplest_web_server started on 127.0.0.1:$SRV_PORT"
  base="http://127.0.0.1:$SRV_PORT"
  C=(curl -sS --max-time 20)
  hdr=$TMPD/hdr
  body=$TMPD/body

  # header VALUE of NAME in $hdr, without the CR
  header() {
    awk -v n="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" -F': ' \
      'tolower($1) == n { sub(/\r$/, "", $2); print $2; exit }' "$hdr"
  }
  status() { awk 'NR == 1 { print $2 }' "$hdr"; }

  # get_file NAME URLPATH FILE: GET must return FILE byte-exact.
  get_file() {
    local name=$1 path=$2 file=$3 code
    if ! "${C[@]}" -D "$hdr" -o "$body" "$base$path"; then
      fail "$name: curl failed"
      return
    fi
    code=$(status)
    if [ "$code" != 200 ]; then
      fail "$name: status $code, want 200"
    elif [ "$(sha "$body")" != "$(sha "$file")" ]; then
      fail "$name: body sha256 $(sha "$body") ($(stat -c %s "$body") bytes), want $(sha "$file")"
    elif [ "$(header Content-Length)" != "$(stat -c %s "$file")" ]; then
      fail "$name: Content-Length $(header Content-Length), want $(stat -c %s "$file")"
    else
      ok "$name"
    fi
  }
  get_file "GET 4 KiB file byte-exact" /small.bin "$www/small.bin"
  get_file "GET 1 MiB file byte-exact" /big.txt "$www/big.txt"
  if [ "$(sha "$www/big.txt")" != "$BIG_SHA" ]; then
    fail "the generated 1 MiB file does not have its known sha256"
  fi
  get_file "GET subdirectory index.html" /sub/ "$www/sub/index.html"
  get_file "GET file with &, < and > in its name" '/a%26b%3Cc%3E.txt' "$www/a&b<c>.txt"

  # HEAD through curl: the headers of a GET, nothing else.
  for f in small.bin big.txt; do
    size=$(stat -c %s "$www/$f")
    if ! "${C[@]}" -I -D "$hdr" -o /dev/null "$base/$f"; then
      fail "HEAD /$f: curl failed"
    elif [ "$(status)" != 200 ] || [ "$(header Content-Length)" != "$size" ]; then
      fail "HEAD /$f: status $(status), Content-Length $(header Content-Length), want 200 and $size"
    else
      ok "HEAD /$f: 200, Content-Length $size"
    fi
  done
  # HEAD on a raw socket: the reply must end right after the blank line.
  raw=$TMPD/raw
  # shellcheck disable=SC2016  # $1 is the inner shell's argument
  if timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "HEAD /small.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" >&3
      cat <&3' _ "$SRV_PORT" >"$raw" 2>/dev/null; then
    total=$(stat -c %s "$raw")
    head_len=$(awk 'BEGIN { RS = "\r\n\r\n" } NR == 1 { print length($0) + 4; exit }' "$raw")
    if [ "$total" -gt 0 ] && [ "$total" -eq "$head_len" ] &&
      grep -q $'^Content-Length: 4096\r$' "$raw"; then
      ok "HEAD on a raw socket: headers only ($total bytes), Content-Length 4096"
    else
      fail "HEAD on a raw socket: $total bytes, headers $head_len bytes:"
      od -c "$raw" | head -20 | sed 's/^/    /'
    fi
  else
    fail "HEAD on a raw socket: no complete reply within 10 s"
  fi

  # raw_http NAME EXPECT PAYLOAD: PAYLOAD (with \r, \n escapes) written on one
  # TCP connection in one go; the server's whole answer, up to its FIN,
  # must start with EXPECT, hold exactly one status line, and end in a FIN,
  # not a reset (RFC 9112 9.6: the close lingers).
  raw_http() {
    local name=$1 want=$2 payload=$3 out
    if ! out=$(timeout 15 python3 - "$SRV_PORT" "$payload" <<'PY' 2>&1
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
got = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
except ConnectionResetError:
    print("RESET after %d bytes" % len(got))
    sys.exit(1)
print("%d %s" % (got.count(b"HTTP/1."), got.split(b"\r\n", 1)[0].decode("latin-1")))
PY
    ); then
      fail "$name: $out"
    elif [ "$out" != "1 $want" ]; then
      fail "$name: got '$out', want one reply, '$want', then a FIN"
    else
      ok "$name: $want, then a FIN"
    fi
  }
  raw_http "bare LF in a request head is refused" "HTTP/1.1 400 Bad Request" \
    'GET /small.bin HTTP/1.1\r\nHost: t\r\nDummy: x\nContent-Length: 3\r\n\r\nabc'
  raw_http "chunk extension without a name is refused" "HTTP/1.1 400 Bad Request" \
    'POST /small.bin HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;\r\nabc\r\n0\r\n\r\n'
  raw_http "three pipelined requests, the first says close" "HTTP/1.1 200 OK" \
    'GET /big.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /small.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /small.bin HTTP/1.1\r\nHost: t\r\n\r\n'

  # range NAME FILE URLPATH RANGE SKIP COUNT: a 206 with those bytes.
  range() {
    local name=$1 file=$2 path=$3 r=$4 skip=$5 count=$6 size want
    size=$(stat -c %s "$file")
    want=$TMPD/want
    tail -c +"$((skip + 1))" "$file" | head -c "$count" >"$want"
    if ! "${C[@]}" -D "$hdr" -o "$body" -H "Range: $r" "$base$path"; then
      fail "$name: curl failed"
    elif [ "$(status)" != 206 ]; then
      fail "$name: status $(status), want 206"
    elif ! cmp -s "$body" "$want"; then
      fail "$name: body differs from bytes $skip..$((skip + count - 1))"
    elif [ "$(header Content-Range)" != "bytes $skip-$((skip + count - 1))/$size" ]; then
      fail "$name: Content-Range '$(header Content-Range)', want 'bytes $skip-$((skip + count - 1))/$size'"
    elif [ "$(header Content-Length)" != "$count" ]; then
      fail "$name: Content-Length $(header Content-Length), want $count"
    else
      ok "$name: 206, Content-Range bytes $skip-$((skip + count - 1))/$size"
    fi
  }
  range "Range bytes=100-199" "$www/small.bin" /small.bin bytes=100-199 100 100
  range "Range bytes=-10" "$www/small.bin" /small.bin bytes=-10 4086 10
  range "Range bytes=4090- (open end)" "$www/small.bin" /small.bin bytes=4090- 4090 6
  range "Range in the 1 MiB file" "$www/big.txt" /big.txt bytes=524288-524319 524288 32
  if "${C[@]}" -D "$hdr" -o "$body" -H 'Range: bytes=5000-6000' "$base/small.bin"; then
    if [ "$(status)" = 416 ] && [ "$(header Content-Range)" = 'bytes */4096' ]; then
      ok "unsatisfiable Range bytes=5000-6000: 416, Content-Range bytes */4096"
    else
      fail "unsatisfiable Range: status $(status), Content-Range '$(header Content-Range)', want 416 and 'bytes */4096'"
    fi
  else
    fail "unsatisfiable Range: curl failed"
  fi

  # ETag: a conditional GET with the ETag of the last reply gets a 304.
  etag=""
  if "${C[@]}" -D "$hdr" -o /dev/null "$base/small.bin"; then etag=$(header ETag); fi
  if [ -z "$etag" ]; then
    fail "If-None-Match: no ETag in the reply to GET /small.bin"
  elif ! "${C[@]}" -D "$hdr" -o "$body" -H "If-None-Match: $etag" "$base/small.bin"; then
    fail "If-None-Match: curl failed"
  elif [ "$(status)" != 304 ] || [ -s "$body" ]; then
    fail "If-None-Match $etag: status $(status), $(stat -c %s "$body") body bytes, want 304 and none"
  else
    ok "If-None-Match $etag: 304, no body"
  fi
  if ! "${C[@]}" -D "$hdr" -o "$body" -H 'If-None-Match: "other"' "$base/small.bin"; then
    fail "If-None-Match with another ETag: curl failed"
  elif [ "$(status)" = 200 ] && cmp -s "$body" "$www/small.bin"; then
    ok "If-None-Match with another ETag: 200 and the file"
  else
    fail "If-None-Match with another ETag: status $(status), want 200 and the file"
  fi

  # If-Range (RFC 9110 13.1.5): the Range counts only while the validator
  # still matches; a stale one gets the whole file.
  if [ -n "$etag" ]; then
    if "${C[@]}" -D "$hdr" -o "$body" -H "If-Range: $etag" -H 'Range: bytes=0-9' "$base/small.bin" &&
      [ "$(status)" = 206 ] && cmp -s "$body" <(head -c 10 "$www/small.bin"); then
      ok "If-Range with the current ETag: 206 with the range"
    else
      fail "If-Range with the current ETag: status $(status), $(stat -c %s "$body") bytes, want 206 and 10"
    fi
    if "${C[@]}" -D "$hdr" -o "$body" -H 'If-Range: "stale"' -H 'Range: bytes=0-9' "$base/small.bin" &&
      [ "$(status)" = 200 ] && cmp -s "$body" "$www/small.bin"; then
      ok "If-Range with a stale ETag: 200 with the whole file"
    else
      fail "If-Range with a stale ETag: status $(status), $(stat -c %s "$body") bytes, want 200 and the whole file (4096)"
    fi
  fi

  # Keep-alive: three requests, one connection.
  if out=$("${C[@]}" -w '%{http_code} %{num_connects}\n' \
    -o "$TMPD/k1" "$base/small.bin" -o "$TMPD/k2" "$base/sub/" -o "$TMPD/k3" "$base/big.txt"); then
    codes=$(awk '{ printf "%s ", $1 }' <<<"$out")
    conns=$(awk '{ n += $2 } END { print n }' <<<"$out")
    if [ "$codes" = "200 200 200 " ] && [ "$conns" = 1 ] &&
      cmp -s "$TMPD/k1" "$www/small.bin" && cmp -s "$TMPD/k2" "$www/sub/index.html" &&
      cmp -s "$TMPD/k3" "$www/big.txt"; then
      ok "keep-alive: 3 URLs, 1 connection, all bodies exact"
    else
      fail "keep-alive: statuses '$codes', $conns connections, want 3 x 200 over 1"
    fi
  else
    fail "keep-alive: curl failed"
  fi

  # A chunked POST: 405, the body skipped, the connection still usable.
  for f in small.bin big.txt; do
    out=$("${C[@]}" -o "$body" -w '%{http_code} %{num_connects}\n' \
      -H 'Transfer-Encoding: chunked' --data-binary "@$www/$f" "$base/upload" \
      --next -sS --max-time 20 -o "$TMPD/after" -w '%{http_code} %{num_connects}\n' "$base/small.bin")
    rc=$?
    codes=$(awk '{ printf "%s ", $1 }' <<<"$out")
    conns=$(awk '{ n += $2 } END { print n }' <<<"$out")
    if [ "$rc" -ne 0 ]; then
      fail "chunked POST of $f: curl exit $rc (connection reset?), replies '$codes'"
    elif [ "$codes" != "405 200 " ] || ! cmp -s "$TMPD/after" "$www/small.bin"; then
      fail "chunked POST of $f: replies '$codes', want 405 then 200 with the file"
    elif [ "$conns" != 1 ]; then
      fail "chunked POST of $f: 405, but the next GET needed a new connection ($conns in all)"
    else
      ok "chunked POST of $f: 405, no reset, next GET on the same connection"
    fi
  done

  # An upload over the 64 MiB body limit: the 413 reaches curl whole (the
  # close lingers while curl is still sending, instead of resetting).
  head -c $((70 * 1024 * 1024)) /dev/zero >"$TMPD/huge"
  out=$("${C[@]}" -o "$body" -w '%{http_code}' --data-binary "@$TMPD/huge" "$base/upload")
  rc=$?
  rm -f "$TMPD/huge"
  if [ "$rc" -ne 0 ]; then
    fail "70 MiB upload: curl exit $rc (connection reset?), status '$out'"
  elif [ "$out" != 413 ] || ! grep -q '^413 Content Too Large: body too large$' "$body"; then
    fail "70 MiB upload: status '$out', body '$(head -c 80 "$body")', want the 413"
  else
    ok "70 MiB upload: 413 with its body, no reset"
  fi

  # Traversal: every attempt a 4xx that does not contain the secret.
  for p in '/../secret' '/%2e%2e/secret' '/..%2fsecret' '/%c0%ae%c0%ae/secret' \
    '/sub/..%5csecret' '/sub/..%5c..%5csecret' '/sub/../../secret' '/%2e%2e%2fsecret' \
    '/..%2f..%2fsecret.txt' '/sub/%2e%2e/%2e%2e/secret' '/.%2e/secret' '//../secret' \
    '/%00secret' '/link-to-secret' '/link-to-parent/secret' '/link-to-parent/'; do
    if ! "${C[@]}" --path-as-is -D "$hdr" -o "$body" "$base$p"; then
      fail "traversal $p: curl failed"
      continue
    fi
    code=$(status)
    if grep -qF "$SECRET" "$body" "$hdr"; then
      fail "traversal $p: status $code, the reply contains the secret"
    elif [ "${code:0:1}" != 4 ]; then
      fail "traversal $p: status $code, want 4xx"
    else
      ok "traversal $p: $code"
    fi
  done

  # The directory listing escapes names.
  if "${C[@]}" -D "$hdr" -o "$body" "$base/" && [ "$(status)" = 200 ]; then
    if grep -qF 'a&amp;b&lt;c&gt;.txt' "$body" && ! grep -qF 'a&b<c>' "$body"; then
      ok "directory listing: a&amp;b&lt;c&gt;.txt escaped"
    else
      fail "directory listing: escaped name missing or raw name present:"
      grep -F 'c' "$body" | sed 's/^/    /'
    fi
  else
    fail "directory listing: GET / status $(status), want 200"
  fi

  if [ "$have_wrk" -eq 1 ]; then
    timeout 30 wrk -t1 -c10 -d2s "$base/small.bin" >"$TMPD/wrk" 2>&1
    rc=$?
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$TMPD/wrk")
    if [ "$rc" -ne 0 ] || [ -z "$rps" ]; then
      fail "wrk -t1 -c10 -d2s: exit $rc"
      sed 's/^/    /' "$TMPD/wrk"
    elif grep -qE 'Socket errors|Non-2xx' "$TMPD/wrk"; then
      fail "wrk -t1 -c10 -d2s: errors:"
      grep -E 'Socket errors|Non-2xx' "$TMPD/wrk" | sed 's/^/    /'
    else
      ok "wrk -t1 -c10 -d2s on the 4 KiB file: $rps req/s, no errors"
    fi
  fi
  if kill -0 "$SRV_PID" 2>/dev/null; then
    ok "simplest_web_server still running"
  else
    fail "simplest_web_server died; its output:"
    sed 's/^/    /' "$TMPD/http.log"
  fi
fi

# ---- WebSocket through the npm ws package -----------------------------------

if [ "$have_node" -eq 1 ]; then
  nodedir=$ROOT/tests/node
  if [ ! -d "$nodedir/node_modules/ws" ] || [ ! -d "$nodedir/node_modules/playwright-core" ]; then
    if timeout 300 npm ci --prefix "$nodedir" --no-audit --no-fund >"$TMPD/npm" 2>&1; then
      ok "npm ci --prefix tests/node"
    else
      fail "npm ci --prefix tests/node:"
      tail -20 "$TMPD/npm" | sed 's/^/    /'
    fi
  fi
  if [ ! -d "$nodedir/node_modules/ws" ]; then
    fail "tests/node/node_modules/ws missing"
  elif ! start_server websocket_chat "$TMPD/ws.log" \
    "$build/examples/websocket_chat" "127.0.0.1:{PORT}" "$ROOT/examples/web_root" echo; then
    fail "websocket_chat echo started"
  else
    ok "websocket_chat echo started on 127.0.0.1:$SRV_PORT"
    timeout 90 node "$nodedir/ws_test.mjs" "ws://127.0.0.1:$SRV_PORT/ws" >"$TMPD/node" 2>&1
    rc=$?
    grep -E '^(ok|FAIL) ' "$TMPD/node"
    n_ok=$(grep -c '^ok ' "$TMPD/node")
    n_fail=$(grep -c '^FAIL ' "$TMPD/node")
    passed=$((passed + n_ok))
    failed=$((failed + n_fail))
    if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
      fail "node ws_test.mjs: exit $rc:"
      tail -20 "$TMPD/node" | sed 's/^/    /'
    fi
    if kill -0 "$SRV_PID" 2>/dev/null; then
      ok "websocket_chat still running"
    else
      fail "websocket_chat died; its output:"
      sed 's/^/    /' "$TMPD/ws.log"
    fi
  fi
fi

finish
