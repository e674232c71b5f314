#!/usr/bin/env bash
# mgsim run --timeline: the pictures of passing, failing and aborted runs.
# For each, the SVG (and the HTML) must be well-formed XML; the lanes must
# be the connections and peers of the trace; the data, FIN, RST and lost
# datagram arrows must be exactly the segments, FINs, RSTs and losses the
# trace shows, carrying as many bytes; a failing run must have its message
# in red at the failure; the HTML must fetch nothing. The command line's
# refusals (a path that cannot be written, several files, --native...) exit
# 2. With Chromium, the failing run's page is rendered to a PNG that must
# show the red failure line; without it that part says "skipped (no
# chromium)" and the rest still counts.
#
# Usage: ci/check-timeline.sh BUILD_DIR   (uses BUILD_DIR/mgsim-asan, or
# BUILD_DIR/mgsim when there is no ASan build; CHROMIUM overrides
# /usr/bin/chromium)
set -u
if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=$1
mgsim=$build/mgsim-asan
[ -x "$mgsim" ] || mgsim=$build/mgsim
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# A sanitizer's report must not pass for a failing run's status 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}:exitcode=66"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:exitcode=66"
cd "$ROOT" || exit 2
bad=0
ok() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  bad=1
}

# The picture against its trace (python3 standard library only).
cat >"$tmp/check.py" <<'EOF'
import re, sys, xml.etree.ElementTree as ET

svg_path, trace_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
want_fail = sys.argv[4] if len(sys.argv) > 4 else None
NS = '{http://www.w3.org/2000/svg}'
problems = []

try:
    root = ET.parse(svg_path).getroot()
except ET.ParseError as e:
    print('not well-formed XML: %s' % e)
    sys.exit(1)

def text_of(el):
    return ''.join(el.itertext())

# What the trace says happened.
lines = [l.split(None, 2) for l in open(trace_path, encoding='utf-8', errors='replace')
         if l.strip() and l.split()[0].isdigit()]
lines = [l + [''] * (3 - len(l)) for l in lines]
whos = {who for _, who, _ in lines if who not in ('mgr', 'net')}
segs = bytes_ = fins = rsts = losts = 0
for _, who, text in lines:
    text = text.rstrip('\n')
    m = re.match(r'send (\d+) of \d+$', text) if who.startswith('#') else re.match(r'send (\d+)$', text)
    if m and int(m.group(1)) > 0:
        segs += 1
        bytes_ += int(m.group(1))
    if text in ('FIN', 'close: FIN', 'shutdown: FIN'):
        fins += 1
    if text == 'RST' or re.match(r'close with \d+ unread bytes: RST$', text):
        rsts += 1
    if re.match(r'datagram \d+ lost$', text):
        losts += 1

groups = list(root.iter(NS + 'g'))
def arrows(cls):
    return [g for g in groups if set(g.get('class', '').split()) >= set(cls.split())]
data = arrows('w data')
lanes = {text_of(t) for t in root.iter(NS + 'text') if t.get('class') == 'hn'}

if lanes != whos:
    problems.append('lanes %s, the trace has %s' % (sorted(lanes), sorted(whos)))
if mode != 'relay':
    # each send of a peer or of the engine is one segment (no window here)
    if len(data) != segs:
        problems.append('%d data arrows, the trace has %d segments' % (len(data), segs))
    sent = sum(int(re.match(r'(\d+) B ', text_of(g.find(NS + 'title'))).group(1)) for g in data)
    if sent != bytes_:
        problems.append('data arrows carry %d bytes, the trace sent %d' % (sent, bytes_))
    if len(arrows('w fin')) != fins:
        problems.append('%d FIN arrows, the trace has %d FINs' % (len(arrows('w fin')), fins))
    if len(arrows('w rst')) != rsts:
        problems.append('%d RST arrows, the trace has %d RSTs' % (len(arrows('w rst')), rsts))
    if len(arrows('w lost')) != losts:
        problems.append('%d lost arrows, the trace lost %d datagrams' % (len(arrows('w lost')), losts))
else:
    # an engine talking to its own listener: every segment crosses the relay
    sent = sum(int(re.match(r'(\d+) B ', text_of(g.find(NS + 'title'))).group(1)) for g in data)
    if len(data) != 2 * segs or sent != 2 * bytes_ or not any(l.startswith('link.') for l in lanes):
        problems.append('relay: %d data arrows (%d bytes) for %d segments (%d bytes), lanes %s' % (
            len(data), sent, segs, bytes_, sorted(lanes)))

fails = arrows('fail')
style = ''.join(text_of(s) for s in root.iter(NS + 'style'))
if want_fail is None:
    if fails:
        problems.append('a passing run drawn with a failure')
else:
    red = re.search(r'\.fail text\{fill:#d50000', style) and re.search(r'\.fail line\{stroke:#d50000', style)
    if len(fails) != 1 or not red:
        problems.append('wanted one failure drawn in red, found %d (red style: %s)' % (len(fails), bool(red)))
    else:
        drawn = ''.join(text_of(t) for t in fails[0].iter(NS + 'text'))
        title = text_of(fails[0].find(NS + 'title'))
        if want_fail not in title or not drawn.startswith('FAILED: ') or want_fail[:40] not in drawn:
            problems.append('the failure drawn says %r (hover: %r), wanted %r' % (drawn, title, want_fail))
if problems:
    print('; '.join(problems))
    sys.exit(1)
print('%d lanes, %d data arrows, %d FIN, %d RST, %d lost%s' % (
    len(lanes), len(data), len(arrows('w fin')), len(arrows('w rst')), len(arrows('w lost')),
    ', failure in red' if want_fail else ''))
EOF

# An HTML page: well-formed, and nothing in it is fetched.
cat >"$tmp/html.py" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding='utf-8').read()
try:
    ET.fromstring(page.replace('<!DOCTYPE html>', '', 1))
except ET.ParseError as e:
    print('not well-formed: %s' % e)
    sys.exit(1)
refs = re.findall(r'<link\b|<script\b|<iframe\b|<img\b|<object\b|<embed\b|\b(?:src|href|xlink:href)\s*=|@import', page, re.I)
refs += [u for u in re.findall(r'url\(([^)]*)\)', page) if not u.startswith('#')]
if refs:
    print('external references: %s' % refs[:5])
    sys.exit(1)
for want in sys.argv[2:]:
    if want not in page:
        print('no %r in the page' % want)
        sys.exit(1)
print('%d bytes, no external references' % len(page))
EOF

# draw SCENARIO MODE [FAILURE_TEXT]: runs it with --timeline (SVG and HTML)
# and checks both pictures against the trace.
draw() {
  local scn=$1 mode=$2 want=${3:-} name out rc wantrc=0
  name=$(basename "$scn" .scn)
  [ -n "$want" ] && wantrc=1
  timeout 120 "$mgsim" run "$scn" --trace "$tmp/$name.trace" --timeline "$tmp/$name.svg" \
    >"$tmp/$name.out" 2>&1
  rc=$?
  if [ "$rc" -ne "$wantrc" ]; then
    fail "$scn: mgsim exited $rc, wanted $wantrc:"
    head -20 "$tmp/$name.out" | sed 's/^/    /'
    return
  fi
  if out=$(python3 "$tmp/check.py" "$tmp/$name.svg" "$tmp/$name.trace" "$mode" ${want:+"$want"} 2>&1); then
    ok "$scn: SVG: $out"
  else
    fail "$scn: SVG: $out"
  fi
  timeout 120 "$mgsim" run "$scn" --timeline "$tmp/$name.html" >/dev/null 2>&1
  if out=$(python3 "$tmp/html.py" "$tmp/$name.html" ${want:+"$want"} 2>&1); then
    ok "$scn: HTML: $out"
  else
    fail "$scn: HTML: $out"
  fi
}

draw scenarios/core/echo.scn plain
draw scenarios/close/send_and_close_1byte.scn plain
draw scenarios/close/peer_rst_mid_transfer.scn plain
draw scenarios/ws/echo_hello.scn plain
draw scenarios/udp/loss.scn plain
draw scenarios/http/client_app_to_static_app.scn relay
draw tests/timeline/fail_echo_bytes.scn plain \
  "fail_echo_bytes.scn:11: peer c: expected 23 more bytes, it has 6 unread"

# Bytes that are markup or no UTF-8 come out escaped, never raw.
if grep -q '<script' "$tmp/fail_echo_bytes.svg" "$tmp/fail_echo_bytes.html" ||
  ! grep -q '&lt;script&gt;' "$tmp/fail_echo_bytes.svg" ||
  ! grep -q '\\xff\\xfe' "$tmp/fail_echo_bytes.svg"; then
  fail "tests/timeline/fail_echo_bytes.scn: markup and invalid UTF-8 not escaped"
else
  ok "tests/timeline/fail_echo_bytes.scn: markup and invalid UTF-8 escaped"
fi

# The failure is drawn where it happened: after the second reply (2.2 ms),
# before the teardown's CLOSE of the listener.
if out=$(python3 - "$tmp/fail_echo_bytes.svg" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
def y_of(pred):
    for g in root.iter(NS + 'g'):
        t = g.find(NS + 'title')
        if t is not None and pred(g, ''.join(t.itertext())):
            for el in g:
                for a in ('y', 'y1', 'cy'):
                    if el.get(a):
                        return float(el.get(a))
    return None
fail = y_of(lambda g, t: g.get('class') == 'fail')
reply = y_of(lambda g, t: '6 B "second"' in t and 'c → ' not in t and '→ c' in t)
close = y_of(lambda g, t: t.endswith('#1     CLOSE'))
ok = None not in (fail, reply, close) and reply < fail < close
print('failure at y=%s, last reply %s, teardown %s' % (fail, reply, close))
sys.exit(0 if ok else 1)
EOF
); then
  ok "tests/timeline/fail_echo_bytes.scn: drawn between the last reply and the teardown ($out)"
else
  fail "tests/timeline/fail_echo_bytes.scn: the failure is not drawn where it happened ($out)"
fi

# A run stopped by a bound (an aborted run) is drawn up to where it stopped.
timeout 120 "$mgsim" run tests/limits/timer_forever.scn --max-trace 1 \
  --timeline "$tmp/aborted.svg" >"$tmp/aborted.out" 2>&1
if [ $? -eq 1 ] && python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
NS = '{http://www.w3.org/2000/svg}'
f = [g for g in r.iter(NS + 'g') if g.get('class') == 'fail']
t = ''.join(f[0].find(NS + 'title').itertext()) if f else ''
sys.exit(0 if '(--max-trace MIB raises the limit)' in t and b'CUT:' in open(sys.argv[1], 'rb').read() else 1)
" "$tmp/aborted.svg"; then
  ok "tests/limits/timer_forever.scn --max-trace 1: stopped run drawn, cut, its failure in red"
else
  fail "tests/limits/timer_forever.scn --max-trace 1: no picture of the stopped run"
  head -5 "$tmp/aborted.out" | sed 's/^/    /'
fi

# A huge run is cut, clearly, and its picture stays small.
timeout 120 "$mgsim" run scenarios/timers/hundred_thousand.scn --timeline "$tmp/huge.html" >/dev/null 2>&1
size=$(stat -c %s "$tmp/huge.html" 2>/dev/null || echo 0)
if grep -q 'CUT: 196000 rows from' "$tmp/huge.html" && [ "$size" -gt 0 ] && [ "$size" -lt 4000000 ] &&
  python3 "$tmp/html.py" "$tmp/huge.html" >/dev/null; then
  ok "scenarios/timers/hundred_thousand.scn: 200,000 rows cut to 4,000, said so ($size bytes)"
else
  fail "scenarios/timers/hundred_thousand.scn: not cut as it should be ($size bytes)"
fi

# With --pcap as well, both consumers of the wire get every packet.
if "$mgsim" --help | grep -q -- '--pcap'; then
  "$mgsim" run scenarios/core/echo.scn --pcap "$tmp/both.pcap" --timeline "$tmp/both.svg" \
    --trace "$tmp/both.trace" >/dev/null 2>&1
  if [ "$(head -c 4 "$tmp/both.pcap" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = d4c3b2a1 ] &&
    [ "$(stat -c %s "$tmp/both.pcap")" -gt 100 ] &&
    out=$(python3 "$tmp/check.py" "$tmp/both.svg" "$tmp/both.trace" plain 2>&1); then
    ok "--pcap and --timeline together: a capture and $out"
  else
    fail "--pcap and --timeline together: ${out:-no capture}"
  fi
fi

# What cannot be done exits 2 with a reason, and leaves no file behind.
refuse() { # TEXT ARGS...
  local text=$1 out rc
  shift
  out=$("$mgsim" "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq 2 ] && grep -qF -- "$text" <<<"$out"; then
    ok "refused with status 2: mgsim $*"
  else
    fail "mgsim $*: wanted status 2 and '$text', got $rc: $(echo "$out" | head -3)"
  fi
}
mkdir "$tmp/ro"
chmod a-w "$tmp/ro"
refuse "cannot write $tmp/nodir/x.svg" run scenarios/core/echo.scn --timeline "$tmp/nodir/x.svg"
if [ "$(id -u)" -ne 0 ]; then
  refuse "cannot write $tmp/ro/x.svg" run scenarios/core/echo.scn --timeline "$tmp/ro/x.svg"
fi
ln -s /dev/full "$tmp/full.svg"
refuse "cannot write $tmp/full.svg" run scenarios/core/echo.scn --timeline "$tmp/full.svg"
refuse "ending in .html or .svg" run scenarios/core/echo.scn --timeline "$tmp/x.png"
refuse "give one scenario file, not 2" run scenarios/core/echo.scn scenarios/core/flags.scn \
  --timeline "$tmp/two.svg"
refuse "give one scenario file" run scenarios/core --timeline "$tmp/dir.svg"
refuse "without --native" run --native scenarios/core/echo.scn --timeline "$tmp/n.svg"
refuse "it is for run" compare scenarios/core/echo.scn --timeline "$tmp/c.svg"
refuse "--timeline needs a value" run scenarios/core/echo.scn --timeline
printf 'app echo\n' >"$tmp/bad.scn"
refuse "bad.scn:1" run "$tmp/bad.scn" --timeline "$tmp/bad.svg"
if [ -e "$tmp/bad.svg" ] || [ -e "$tmp/two.svg" ] || [ -e "$tmp/x.png" ]; then
  fail "a refused run left a file behind"
fi

# In a browser: the failing run's page, rendered, shows its red line.
if [ -x "$CHROMIUM" ]; then
  shot=$tmp/fail.png
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$tmp/chromium" --screenshot="$shot" --window-size=900,800 \
    "file://$tmp/fail_echo_bytes.html" >"$tmp/chromium.log" 2>&1
  if out=$(python3 - "$shot" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
if data[:8] != b'\x89PNG\r\n\x1a\n':
    print('not a PNG'); sys.exit(1)
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
if depth != 8 or ctype not in (2, 6):
    print('PNG of depth %d type %d' % (depth, ctype)); sys.exit(1)
bpp = 3 if ctype == 2 else 4
raw, stride, prev, rows, i = zlib.decompress(idat), w * bpp, bytearray(w * bpp), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
colours, red, ink = set(), 0, 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        colours.add((r, g, b))
        if r > 180 and g < 60 and b < 60:
            red += 1
        if r + g + b < 600:
            ink += 1
print('%dx%d, %d colours, %d red pixels, %.1f%% ink' % (w, h, len(colours), red, 100.0 * ink / (w * h)))
sys.exit(0 if len(colours) >= 16 and red >= 200 and ink > 0.01 * w * h else 1)
EOF
  ); then
    ok "Chromium renders the failing run's page: $out"
  else
    fail "Chromium's rendering of the failing run's page: ${out:-no screenshot}"
    tail -5 "$tmp/chromium.log" | sed 's/^/    /'
  fi
else
  echo "browser rendering: skipped (no chromium at $CHROMIUM)"
fi

[ "$bad" -eq 0 ]
