#!/usr/bin/env bash
# mgsim's command line under hostile input: bad option values, paths that
# are no regular files or cannot be read, output that cannot be written,
# and inputs big enough to show superlinear parsing or an endless loop.
# Each case wants an exit status and a message; each runs under a 20 s
# guard, so that a hang is a failure rather than a stuck check.
# Usage: ci/check-mgsim-cli.sh MGSIM
set -u
mgsim=$1
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
bad=0
n=0

# expect STATUS TEXT COMMAND...: COMMAND exits with STATUS and prints TEXT
# (stdout and stderr together).
expect() {
  local want=$1 text=$2 out rc
  shift 2
  n=$((n + 1))
  out=$(timeout 20 "$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qF -- "$text" <<<"$out"; then
    echo "FAIL: $(echo "$*" | cut -c1-120): wanted status $want and '$text', got status $rc:"
    echo "$out" | head -5 | cut -c1-300
    bad=1
  fi
}

ok=$tmp/ok.scn
cat >"$ok" <<'EOF'
app echo tcp://127.0.0.1:8000
peer c connect 127.0.0.1:8000
+1ms peer c send "hi"
+1ms expect peer c got "hi"
EOF

# ---- options ----------------------------------------------------------------
for v in -1 99999999999999999999 18446744073709551616 '' ' 1' +1 0x10 1e3; do
  expect 2 "--seed wants an integer 0..18446744073709551615, not '$v'" \
    "$mgsim" run --seed "$v" "$ok"
done
expect 0 "1 passed, 0 failed" "$mgsim" run --seed 18446744073709551615 "$ok"
expect 0 "1 passed, 0 failed" "$mgsim" run --seed 0 "$ok"
for v in 4294967297 0 -1 1001 '' 2x; do
  expect 2 "--repeat wants an integer 1..1000, not '$v'" "$mgsim" run --repeat "$v" "$ok"
done
expect 0 "trace identical each run" "$mgsim" run --repeat 2 "$ok"
for o in --seed --repeat --trace; do
  expect 2 "mgsim: $o needs a value" "$mgsim" run "$ok" "$o"
done
expect 2 "unknown option '--bogus'" "$mgsim" run --bogus "$ok"
for v in -1 1001 '' x 1e9 nan; do
  expect 2 "--time-scale wants a number 0..1000, not '$v'" "$mgsim" run --native --time-scale "$v" "$ok"
done
expect 2 "mgsim: --time-scale needs a value" "$mgsim" run "$ok" --time-scale
for o in --native "--repeat 2" "--trace $tmp/t.txt"; do
  # shellcheck disable=SC2086
  expect 2 "compare runs both ways once" "$mgsim" compare $o "$ok"
done
expect 2 "no scenario files given" "$mgsim" compare
expect 0 "1 passed, 0 failed" "$mgsim" run --native "$ok"
expect 0 "1 passed, 0 failed" "$mgsim" run --native --time-scale 2 "$ok"
expect 0 "1 agree, 0 differ, 0 skipped" "$mgsim" compare "$ok"
printf 'native skip "a reason of its own"\n' >"$tmp/skip.scn"
cat "$ok" >>"$tmp/skip.scn"
expect 0 "skip $tmp/skip.scn: a reason of its own" "$mgsim" run --native "$tmp/skip.scn"
expect 0 "0 agree, 0 differ, 1 skipped" "$mgsim" compare "$tmp/skip.scn"
expect 0 "1 passed, 0 failed" "$mgsim" run "$tmp/skip.scn"
# A native run that fails says so, and compare calls it a difference.
sed 's/expect peer c got "hi"/expect peer c got "ho"/' "$ok" >"$tmp/wrong.scn"
expect 1 "differ $tmp/wrong.scn: the simulated run fails" "$mgsim" compare "$tmp/wrong.scn"
expect 1 "0 passed, 1 failed" "$mgsim" run --native "$tmp/wrong.scn"
expect 2 "unknown command 'walk'" "$mgsim" walk "$ok"
expect 2 "no scenario files given" "$mgsim" run

# ---- output that cannot be written ------------------------------------------
if [ -w /dev/full ]; then
  expect 2 "cannot write /dev/full: No space left on device" \
    "$mgsim" run --trace /dev/full "$ok"
  expect 2 "cannot write to stdout: No space left on device" \
    sh -c '"$0" run "$1" >/dev/full' "$mgsim" "$ok"
  expect 2 "cannot write to stdout: No space left on device" \
    sh -c '"$0" --help >/dev/full' "$mgsim"
else
  echo "note: no writable /dev/full; write-error cases skipped"
fi
expect 2 "cannot write $tmp/no/such/trace: No such file or directory" \
  "$mgsim" run --trace "$tmp/no/such/trace" "$ok"

# ---- what a run writes besides its trace ------------------------------------
# An output that is the scenario itself, or another output, is refused
# before anything is written; a malformed scenario leaves existing outputs
# as they were, and makes none.
cp "$ok" "$tmp/self.scn"
expect 2 "--peer-bytes $tmp/self.scn is the scenario file itself" \
  "$mgsim" run "$tmp/self.scn" --peer-bytes "$tmp/self.scn"
cmp -s "$ok" "$tmp/self.scn" || {
  echo "FAIL: --peer-bytes naming the scenario changed the scenario"
  bad=1
}
expect 2 "--timeline $tmp/same.svg is another output's file too" \
  "$mgsim" run "$ok" --timeline "$tmp/same.svg" --pcap "$tmp/same.svg"
printf 'no such command\n' >"$tmp/typo.scn"
for f in keep.svg keep.pcap keep.bytes; do echo kept >"$tmp/$f"; done
expect 2 "unknown command 'no'" "$mgsim" run "$tmp/typo.scn" --timeline "$tmp/keep.svg" \
  --pcap "$tmp/keep.pcap" --peer-bytes "$tmp/keep.bytes"
for f in keep.svg keep.pcap keep.bytes; do
  [ "$(cat "$tmp/$f")" = kept ] || {
    echo "FAIL: a malformed scenario truncated $f"
    bad=1
  }
done
expect 2 "unknown command 'no'" "$mgsim" run "$tmp/typo.scn" --pcap "$tmp/new.pcap"
[ ! -e "$tmp/new.pcap" ] || {
  echo "FAIL: a malformed scenario left an empty new.pcap behind"
  bad=1
}

# ---- paths ------------------------------------------------------------------
expect 2 "mgsim: $tmp/missing.scn: No such file or directory" "$mgsim" run "$tmp/missing.scn"
mkfifo "$tmp/fifo.scn"
expect 2 "$tmp/fifo.scn: not a regular file" "$mgsim" run "$tmp/fifo.scn"
expect 2 "$tmp/fifo.scn: not a regular file" "$mgsim" check "$tmp/fifo.scn"
mkdir "$tmp/withfifo"
cp "$ok" "$tmp/withfifo/a.scn"
mkfifo "$tmp/withfifo/b.scn"
expect 2 "$tmp/withfifo/b.scn: not a regular file" "$mgsim" run "$tmp/withfifo"
expect 2 "/dev/zero: not a regular file" "$mgsim" run /dev/zero
expect 2 "/dev/null: not a regular file" "$mgsim" check /dev/null
ln -s "$tmp/nowhere.scn" "$tmp/withfifo/dangling.scn"
expect 2 "$tmp/withfifo/dangling.scn: No such file or directory" "$mgsim" check "$tmp/withfifo"
rm "$tmp/withfifo/dangling.scn" "$tmp/withfifo/b.scn"
ln -s .. "$tmp/withfifo/loop"
expect 2 "a directory inside itself" "$mgsim" check "$tmp/withfifo"
rm "$tmp/withfifo/loop"

# Data files a scenario reads must be regular files too, and small enough.
mkfifo "$tmp/data.fifo"
truncate -s 67108865 "$tmp/big.bin"
for f in data.fifo big.bin; do
  printf 'peer c connect 127.0.0.1:8000\npeer c send file %s\n' "$f" >"$tmp/data_$f.scn"
done
expect 2 "data_data.fifo.scn:2: file '$tmp/data.fifo' is not a regular file" \
  "$mgsim" run "$tmp/data_data.fifo.scn"
expect 2 "data_big.bin.scn:2: file '$tmp/big.bin' is too large" \
  "$mgsim" check "$tmp/data_big.bin.scn"

# Root reads every directory: there the unreadable ones cannot be made.
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$tmp/locked" "$tmp/tree/sub"
  cp "$ok" "$tmp/tree/a.scn"
  chmod 000 "$tmp/locked" "$tmp/tree/sub"
  expect 2 "$tmp/locked: cannot read the directory: Permission denied" \
    "$mgsim" run "$tmp/locked"
  expect 2 "$tmp/tree/sub: cannot read the directory: Permission denied" \
    "$mgsim" run "$tmp/tree"
  chmod 700 "$tmp/locked" "$tmp/tree/sub"
else
  echo "note: running as root, which reads any directory: unreadable-directory cases skipped"
fi

# ---- from-fuzz and to-fuzz --------------------------------------------------
expect 2 "mgsim: cannot open /nonexistent: No such file or directory" \
  "$mgsim" from-fuzz /nonexistent
expect 2 "usage: mgsim from-fuzz INPUT" "$mgsim" from-fuzz
expect 2 "output directory $tmp/nodir: No such file or directory" \
  "$mgsim" to-fuzz "$tmp/nodir" "$ok"
expect 2 "output directory $ok: Not a directory" "$mgsim" to-fuzz "$ok" "$ok"
mkdir "$tmp/seeds"
expect 2 "mgsim: $tmp/missing.scn: No such file or directory" \
  "$mgsim" to-fuzz "$tmp/seeds" "$ok" "$tmp/missing.scn"
printf 'peer c connect 127.0.0.1:8000\npeer c sned "x"\n' >"$tmp/typo.scn"
expect 2 "typo.scn:2: unknown peer verb 'sned'" "$mgsim" to-fuzz "$tmp/seeds" "$tmp/typo.scn"
expect 0 "1 session inputs written to $tmp/seeds" "$mgsim" to-fuzz "$tmp/seeds" "$ok"
expect 0 "peer p0 connect" "$mgsim" from-fuzz "$(ls "$tmp"/seeds/*.bin)"

# ---- big inputs: linear, and no endless loop --------------------------------
# One line of empty strings: each string once reserved the rest of its line.
for count in 300000 1333000; do
  f=$tmp/strings_$count.scn
  {
    echo 'peer c connect 127.0.0.1:8000'
    awk -v n="$count" 'BEGIN { printf "peer c send \"\""; for (i = 1; i < n; i++) printf " \"\""; print "" }'
  } >"$f"
  expect 2 "$f:2: unexpected '' after the data" "$mgsim" check "$f"
done
for count in 18446744073709551615 2000000000; do
  printf 'peer c connect 127.0.0.1:8000\npeer c send repeat %s ""\n' "$count" >"$tmp/repeat.scn"
  expect 2 "repeat.scn:2: repeat wants a count of 0..67108864, not '$count'" \
    "$mgsim" check "$tmp/repeat.scn"
done
printf 'app echo tcp://127.0.0.1:8000\npeer c connect 127.0.0.1:8000\n+1ms peer c send repeat 67108864 ""\n' \
  >"$tmp/repeat_empty.scn"
expect 0 "1 passed, 0 failed" "$mgsim" run "$tmp/repeat_empty.scn"

echo "$n command-line cases, each with its exit status and message"
exit "$bad"
