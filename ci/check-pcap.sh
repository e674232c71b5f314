#!/usr/bin/env bash
# The capture of a simulated run (mgsim run --pcap) as Wireshark's tshark
# reads it, for scenarios of each kind: echo, IPv6, send limits, windows,
# RST, refused and silent connects, UDP loss and duplication, pipelined
# HTTP, fragmented WebSocket, an engine connecting to its own listener.
# For each: no malformed packet and nothing of error severity (checksums
# verified), none of TCP's signs of broken numbering (lost or unseen
# segments, retransmissions, out-of-order, duplicate ACKs, keep-alives),
# every TCP stream carrying exactly what the run's peers sent and received
# (mgsim --peer-bytes, ci/pcap_streams.py), the same file from the same run,
# and what the scenario says of its packets. Then a failing run's capture
# and the command line's refusals. Usage: ci/check-pcap.sh MGSIM
set -u
mgsim=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
n=0

for tool in tshark python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool is not installed (ci/deps.sh capture interop)"
    exit 1
  fi
done

say() {
  echo "$cur: $*"
  bad=1
}

# Wireshark checks no checksum unless asked; the simulated ones must hold.
TS=(tshark -n -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE
  -o udp.check_checksum:TRUE -o tcp.analyze_sequence_numbers:TRUE)
BROKEN_NUMBERING='tcp.analysis.lost_segment or tcp.analysis.ack_lost_segment or
  tcp.analysis.retransmission or tcp.analysis.fast_retransmission or
  tcp.analysis.spurious_retransmission or tcp.analysis.out_of_order or
  tcp.analysis.duplicate_ack or tcp.analysis.keep_alive or tcp.analysis.reused_ports'

# FIELDS FILTER FIELD...: one line per frame that passes FILTER.
fields() {
  local filter=$1
  shift
  local args=()
  for f in "$@"; do args+=(-e "$f"); done
  "${TS[@]}" -r "$pcap" "${decode[@]}" -Y "$filter" -T fields -E separator=' ' "${args[@]}" \
    2>"$tmp/err" || { say "tshark failed: $(head -3 "$tmp/err")"; }
}

count() { fields "$1" frame.number | wc -l; }

# want WHAT EXPECTED ACTUAL
want() {
  if [ "$2" != "$3" ]; then say "$1: wanted [$2], got [$3]"; fi
}

# capture NAME SCENARIO UNMATCHED [DECODE-AS...]: runs it with --pcap and
# --peer-bytes and makes the general checks; leaves $pcap for the rest.
capture() {
  local name=$1 scn=$2 unmatched=$3 errs
  shift 3
  cur=$scn
  n=$((n + 1))
  pcap=$tmp/$name.pcap
  decode=()
  for d in "$@"; do decode+=(-d "$d"); done
  if ! "$mgsim" run "$scn" --pcap "$pcap" --peer-bytes "$tmp/$name.bytes" >"$tmp/out" 2>&1; then
    say "the run failed:"
    sed 's/^/    /' "$tmp/out" | head -20
    return
  fi
  "$mgsim" run "$scn" --pcap "$tmp/again.pcap" >/dev/null 2>&1
  cmp -s "$pcap" "$tmp/again.pcap" || say "a second run wrote a different capture"
  errs=$(fields '_ws.malformed or _ws.expert.severity >= "Error"' frame.number _ws.expert.message)
  [ -z "$errs" ] || say "malformed or in error: $(echo "$errs" | head -5)"
  [ "$(count 'frame.time_delta < 0')" -eq 0 ] || say "a frame stamped earlier than the one before"
  errs=$(fields "$BROKEN_NUMBERING" frame.number tcp.stream tcp.seq tcp.ack)
  [ -z "$errs" ] || say "TCP numbering broken (frame stream seq ack): $(echo "$errs" | head -5)"
  if ! python3 "$here/pcap_streams.py" "$pcap" "$tmp/$name.bytes" "$unmatched" >"$tmp/out" 2>&1; then
    say "streams and peers differ:"
    sed 's/^/    /' "$tmp/out" | head -20
  fi
}

# An echo: its handshake, data, ACKs and FINs at their virtual times (time
# 0 is mg_time()'s epoch, 1e6 s), numbered from 0 both ways.
capture echo scenarios/core/echo.scn 0
want "frames" 11 "$(count frame)"
want "first frame: time, flags" "1000000.000000000 0x0002" "$(fields 'frame.number == 1' frame.time_epoch tcp.flags)"
want "SYN-ACK at" "1000000.000100000" "$(fields 'tcp.flags == 0x012' frame.time_epoch)"
want "FINs (time, relative seq)" "1000000.002000000 7
1000000.002100000 7" "$(fields 'tcp.flags.fin == 1' frame.time_epoch tcp.seq)"
want "last frame acks the engine's FIN" "8 8" "$(fields 'frame.number == 11' tcp.seq tcp.ack)"

# The same over IPv6.
capture ipv6 scenarios/core/echo_ipv6.scn 0
want "frames, all IPv6" "11 11" "$(count frame) $(count ipv6)"

# A 7-byte send limit: the echo leaves in segments of 7, 7 and 6 bytes.
capture send_limit scenarios/partial/seven_byte.scn 0
want "engine's segments" "7 7 6" "$(fields 'tcp.srcport == 8000 and tcp.len > 0' tcp.len | xargs)"
want "their relative seqs" "1 8 15" "$(fields 'tcp.srcport == 8000 and tcp.len > 0' tcp.seq | xargs)"

# A 100-byte window toward the engine: the peer's 1000 bytes in ten
# segments of 100; the engine advertises 100 at most, closes it to 0 as
# each arrives and reopens it as its handler consumes.
capture window scenarios/partial/window.scn 0
want "peer's segments" "100 100 100 100 100 100 100 100 100 100" \
  "$(fields 'tcp.dstport == 8000 and tcp.len > 0' tcp.len | xargs)"
want "largest window the engine advertises" 100 \
  "$(fields 'tcp.srcport == 8000' tcp.window_size | sort -n | tail -1)"
want "zero windows, window updates" "10 10" \
  "$(count 'tcp.analysis.zero_window') $(count 'tcp.analysis.window_update')"

# Closing with unread bytes: RST from the engine, acknowledging all 300.
capture unread_rst scenarios/close/unread_rst.scn 0
want "RSTs (src port, flags, relative ack)" "9000 0x0014 301" \
  "$(fields 'tcp.flags.reset == 1' tcp.srcport tcp.flags tcp.ack)"
want "FINs" 0 "$(count 'tcp.flags.fin == 1')"

# Nobody listening: the SYN answered by RST+ACK one delay later.
capture refused scenarios/close/connect_refused.scn 1
want "frames (time, flags)" "1000000.000000000 0x0002
1000000.000100000 0x0014" "$(fields frame frame.time_epoch tcp.flags)"

# The same with an echo under way: the RST, settled when the SYN left, takes
# its place in time between the peer's data and the echo.
cat >"$tmp/busy.scn" <<'EOF'
net delay 1ms
app echo tcp://127.0.0.1:8000
peer c connect 127.0.0.1:8000
@5ms app raw connect tcp://10.0.0.9:80
@5500us peer c send "x"
@10ms expect event #3 CONNECT ECONNREFUSED at @7ms
expect peer c got "x"
EOF
capture refused_busy "$tmp/busy.scn" 1
want "frames 4 to 6 (time, flags)" "1000000.005000000 0x0002
1000000.005500000 0x0018
1000000.006000000 0x0014" "$(fields 'frame.number >= 4 and frame.number <= 6' frame.time_epoch tcp.flags)"

# A silent listener: the SYN, and nothing ever after.
capture silent scenarios/close/connect_timeout.scn 1
want "frames (flags)" "0x0002" "$(fields frame tcp.flags)"

# Loss 0.5 each way (seed 42): all 12 datagrams the peer sent are on the
# wire where they were sent (1..12 bytes), and of the engine's the 7 echoes
# of those it got (3 4 5 6 8 9 10 bytes); port 5353 is not mDNS here.
capture udp_loss scenarios/udp/loss.scn 0 udp.port==5353,data
want "peer's datagrams" "1 2 3 4 5 6 7 8 9 10 11 12" \
  "$(fields 'udp.srcport == 7000' udp.length | awk '{print $1 - 8}' | xargs)"
want "first and last payloads" "61 6c6c6c6c6c6c6c6c6c6c6c6c" \
  "$(fields 'udp.srcport == 7000' data.data | sed -n '1p;$p' | xargs)"
want "engine's datagrams" "3 4 5 6 8 9 10" \
  "$(fields 'udp.srcport == 5353' udp.length | awk '{print $1 - 8}' | xargs)"

# Duplication certain: each datagram twice, the copy with the same IP id.
capture udp_dup scenarios/udp/dup.scn 0 udp.port==5353,data
want "datagrams, distinct IP ids" "6 3" "$(count udp) $(fields udp ip.id | sort -u | wc -l)"

# Two pipelined requests in one segment, both answers in one.
capture pipelined scenarios/http/pipelined_two.scn 0 tcp.port==80,http
want "requests" "/hello.txt /sub/index.html" "$(fields http.request http.request.uri | tr , ' ')"
want "responses" "200 200" "$(fields http.response http.response.code | tr , ' ')"
want "segments carrying them" "1 1" \
  "$(fields 'http.request and tcp.len > 0' frame.number | sort -u | wc -l) $(fields 'http.response' frame.number | sort -u | wc -l)"

# A text message in three fragments with a PING between them: the peer's
# frames (opcode, fin), then the engine's PONG and the whole message.
capture ws_fragments scenarios/ws/fragments_with_ping.scn 0 tcp.port==80,http
want "peer's frames" "1,0 9,1 0,0 0,1" \
  "$(fields 'websocket and tcp.dstport == 80' websocket.opcode websocket.fin | tr ' ' , | xargs)"
want "engine's frames" "10,1 1,1" \
  "$(fields 'websocket and tcp.srcport == 80' websocket.opcode websocket.fin | tr ' ' , | xargs)"
want "the message back" "Hello" \
  "$(fields 'websocket.opcode == 1 and tcp.srcport == 80' websocket.payload.text)"

# The http-client app against the http-static app of the same engine: one
# connection between the two engine addresses (its relay is not in it).
capture engine_to_engine scenarios/http/client_app_to_static_app.scn 1 tcp.port==80,http
want "connections, SYNs" "1 1" "$(fields tcp tcp.stream | sort -u | wc -l) $(count 'tcp.flags == 0x002')"
want "request" "GET /hello.txt" "$(fields http.request http.request.method http.request.uri)"
body=$(od -An -tx1 scenarios/http/www/hello.txt | tr -d ' \n')
want "response ends with the file" "$body" "$(fields http.response tcp.payload | grep -o "$body\$")"

# A failing run: status 1, and the capture holds what happened up to the
# failure and the manager's teardown after it, whole.
cur="a failing run"
n=$((n + 1))
sed 's/expect peer c got "hello\\n"/expect peer c got "bye\\n"/' scenarios/core/echo.scn >"$tmp/fail.scn"
pcap=$tmp/fail.pcap
decode=()
"$mgsim" run "$tmp/fail.scn" --pcap "$pcap" >/dev/null 2>&1
want "status" 1 "$?"
want "data segments, FINs" "2 1" "$(count 'tcp.len > 0') $(count 'tcp.flags.fin == 1')"
want "problems" "" "$(fields '_ws.malformed or _ws.expert.severity >= "Error"' frame.number)"

# What --pcap refuses, with status 2 and nothing written.
cur="the command line"
n=$((n + 1))
refuse() {
  local out rc
  out=$("$mgsim" "$@" 2>&1)
  rc=$?
  [ "$rc" -eq 2 ] || say "$* ended with $rc, not 2: $out"
}
refuse run scenarios/core/echo.scn --pcap "$tmp/no/such/dir/x.pcap"
refuse run scenarios/core --pcap "$tmp/several.pcap"
refuse run --native scenarios/core/echo.scn --pcap "$tmp/native.pcap"
refuse compare scenarios/core/echo.scn --pcap "$tmp/compare.pcap"
refuse run scenarios/core/echo.scn --pcap /dev/full
[ ! -e "$tmp/several.pcap" ] || say "a refused --pcap left a file behind"

echo "$n capture checks"
[ "$bad" -eq 0 ]
