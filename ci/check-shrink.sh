#!/usr/bin/env bash
# mgsim shrink: each failing scenario in tests/shrink/ comes down to at most
# 10 command lines that fail with the same message, and shrinking that
# result changes nothing (it is 1-minimal). Also: a passing scenario, a
# malformed one and a bad command line give their exit statuses.
# Usage: ci/check-shrink.sh MGSIM
set -u
mgsim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
n=0
fail() {
  echo "FAIL: $*"
  bad=1
}
for f in tests/shrink/*.scn; do
  n=$((n + 1))
  want=$("$mgsim" run "$f" | sed -n 2p | sed 's/^[^:]*:[0-9]*: //')
  [ -n "$want" ] || { fail "$f does not fail"; continue; }
  # The shrunk file stays in the original's folder while it is checked:
  # paths in it are relative to that folder.
  min=$(dirname "$f")/.shrunk-$(basename "$f")
  if ! "$mgsim" shrink "$f" --out "$min" >"$tmp/log" 2>&1; then
    fail "$f: shrink failed: $(tail -3 "$tmp/log")"
    rm -f "$min"
    continue
  fi
  lines=$(grep -cvE '^(#|[+@][0-9.]+[a-z]*$|$)' "$min")
  [ "$lines" -le 10 ] || fail "$f: shrunk to $lines command lines (wanted at most 10)"
  got=$("$mgsim" run "$min" | sed -n 2p | sed 's/^[^:]*:[0-9]*: //')
  [ "$got" = "$want" ] || fail "$f: the shrunk scenario fails with '$got', not '$want'"
  "$mgsim" shrink "$min" --out "$tmp/again.scn" >"$tmp/log2" 2>&1
  rm -f "$min"
  grep -q "^lines: $lines -> $lines " "$tmp/log2" ||
    fail "$f: shrinking the result again removed lines: $(grep '^lines' "$tmp/log2")"
done
printf 'app echo tcp://127.0.0.1:8000\npeer c connect 127.0.0.1:8000\n+1ms peer c send "x"\n+1ms expect peer c got "x"\n' >"$tmp/pass.scn"
"$mgsim" shrink "$tmp/pass.scn" >"$tmp/log" 2>&1
[ $? -eq 1 ] && grep -q "passes" "$tmp/log" || fail "a passing scenario: $(cat "$tmp/log")"
printf 'peer c frobnicate\n' >"$tmp/bad.scn"
"$mgsim" shrink "$tmp/bad.scn" >"$tmp/log" 2>&1
[ $? -eq 2 ] || fail "a malformed scenario: $(cat "$tmp/log")"
"$mgsim" shrink >"$tmp/log" 2>&1
[ $? -eq 2 ] && grep -q "usage: mgsim shrink" "$tmp/log" || fail "no file: $(cat "$tmp/log")"
"$mgsim" shrink "$tmp/pass.scn" --seed x >"$tmp/log" 2>&1
[ $? -eq 2 ] || fail "a bad seed: $(cat "$tmp/log")"
echo "$n failing scenarios shrunk to at most 10 lines, same failure, 1-minimal"
exit "$bad"
