#!/usr/bin/env bash
# Coverage of the lines changed since a git revision, and for each changed
# line the tests and scenarios that reach it.
#
# Usage: coverage/diff.sh BASE        (make coverage-diff BASE=<rev>)
#        FAIL_UNDER=90 coverage/diff.sh BASE
#
# The changes are those of the working tree (commits, staged and unstaged
# changes) since the merge base of BASE and HEAD; a new file counts once git
# knows it (`git add -N FILE` is enough), as diff-cover 7 cannot read
# untracked binary files. Uses
# build/coverage/lcov.info, made first by coverage/run.sh when it is missing
# or older than a file of the work tree. Writes into build/coverage/:
#   diff.html, diff.md   diff-cover's reports
#   diff-lines.md        changed line -> the runs that reach it
# Exits 1 when FAIL_UNDER (a percentage) is set and the changed lines'
# coverage is below it, 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/coverage
info=$out/lcov.info
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL GNUMAKEFLAGS

usage() {
  echo "usage: coverage/diff.sh BASE   (make coverage-diff BASE=<rev> [FAIL_UNDER=90])" >&2
  exit 2
}
# Without BASE=, make passes the Makefile's own BASE (the compiler flags).
[ "$#" -eq 1 ] || usage
case $1 in -* | "") usage ;; esac
base=$1
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "coverage-diff: '$base' is not a revision of this repository" >&2
  exit 2
fi
fail_under=${FAIL_UNDER:-}
if [ -n "$fail_under" ] && ! [[ $fail_under =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "coverage-diff: FAIL_UNDER must be a percentage, not '$fail_under'" >&2
  exit 2
fi
for tool in diff-cover gcov python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "coverage-diff: $tool is missing; installing the coverage tools (ci/deps.sh coverage)"
    bash ci/deps.sh build coverage
    break
  fi
done

merge_base=$(git merge-base "$base" HEAD)
if git diff --quiet "$merge_base" --; then
  if [ "$(git rev-parse "$base^{commit}")" = "$(git rev-parse HEAD)" ]; then
    echo "coverage-diff: BASE $base is HEAD and the work tree is clean: no changed lines"
  else
    echo "coverage-diff: no changes since $base: no changed lines"
  fi
  exit 0
fi
if [ "$(git rev-parse "$base^{commit}")" = "$(git rev-parse HEAD)" ]; then
  echo "coverage-diff: BASE $base is HEAD: comparing the uncommitted changes"
fi

# A fresh lcov.info: newer than every file of the work tree.
stale=""
if [ ! -f "$info" ] || [ ! -x build/cov/mgsim ]; then
  stale="no $info yet"
else
  newer=$(git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      if [ "$f" -nt "$info" ]; then
        echo "$f"
        break
      fi
    done)
  [ -z "$newer" ] || stale="$newer is newer than $info"
fi
if [ -n "$stale" ]; then
  echo "coverage-diff: $stale: running coverage/run.sh first"
  if ! bash coverage/run.sh; then
    [ -f "$info" ] || exit 1
    echo "coverage-diff: coverage/run.sh reported failed runs; going on with its lcov.info"
  fi
  echo
fi

python3 coverage/report.py changed "$base" "$info" "$out/diff-changed.json"
echo

dc_rc=0
diff-cover "$info" --compare-branch="$base" \
  --html-report "$out/diff.html" --markdown-report "$out/diff.md" \
  ${fail_under:+--fail-under="$fail_under"} 2>"$out/diff-cover.err" || dc_rc=$?
below=0
if [ "$dc_rc" -ne 0 ]; then
  if grep -q 'Coverage is below' "$out/diff-cover.err"; then
    below=1
  else
    cat "$out/diff-cover.err" >&2
    echo "coverage-diff: diff-cover failed (status $dc_rc)" >&2
    exit 1
  fi
fi
echo

python3 coverage/report.py reach build/cov "$out/diff-changed.json" "$out/diff-lines.md"
echo "coverage-diff: reports: $out/diff.html, $out/diff.md, $out/diff-lines.md"
if [ "$below" -eq 1 ]; then
  echo "coverage-diff: FAIL: changed-line coverage is below FAIL_UNDER=$fail_under%"
  exit 1
fi
if [ -n "$fail_under" ]; then
  echo "coverage-diff: changed-line coverage is at least FAIL_UNDER=$fail_under%"
fi
