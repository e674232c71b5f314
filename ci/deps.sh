#!/usr/bin/env bash
# Install the Debian packages this project needs, but only the missing ones.
#
# Usage: ci/deps.sh [GROUP...]        (default group: build)
#
# Groups:
#   build     compiler, make, binutils (nm), libcmocka-dev, procps: `make test`
#   fuzz      clang, clang-14, libFuzzer, compiler-rt, AFL++
#   coverage  lcov, gcovr, diff-cover
#   check     valgrind
#   bench     curl, wrk, procps
#   interop   libhttp-parser-dev, nginx, lighttpd, nodejs, npm, curl, python3
#   browser   chromium, fonts-dejavu-core, nodejs, npm: ci/check-browser.sh
#   capture   tshark: ci/check-pcap.sh reads mgsim's captures with it
#   all       every group above
#
# A package counts as present when dpkg reports it installed, or when an
# installed package Provides it (for example a nodejs build that bundles npm).
# An entry written "a|b" is satisfied by any one alternative; an alternative
# written "x,y" needs all of its parts. The first alternative is the one that
# gets installed.
#
# When nothing is missing the script prints one line and exits 0. When
# something is missing it installs it as root (apt-get update once, then
# apt-get install), or, when not root, names the packages and the command to
# run and exits 1. It never reads stdin.

set -eu

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}

group_packages() {
  case "$1" in
    build)
      echo "build-essential|gcc,make,libc6-dev binutils libcmocka-dev procps" ;;
    fuzz)
      echo "clang-19 libclang-rt-19-dev llvm-19 afl++" ;;
    coverage)
      echo "lcov gcovr diff-cover" ;;
    check)
      echo "valgrind" ;;
    bench)
      echo "curl wrk procps" ;;
    interop)
      echo "libhttp-parser-dev nginx|nginx-light lighttpd nodejs npm curl python3" ;;
    browser)
      echo "chromium fonts-dejavu-core nodejs npm" ;;
    capture)
      echo "tshark" ;;
    *)
      return 1 ;;
  esac
}

ALL_GROUPS="build fuzz coverage check bench interop browser capture"

groups=""
if [ "$#" -eq 0 ]; then
  groups="build"
fi
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage 0 ;;
    all) groups="$groups $ALL_GROUPS" ;;
    *)
      if ! group_packages "$arg" >/dev/null; then
        echo "deps: unknown group '$arg' (known: $ALL_GROUPS all)" >&2
        exit 2
      fi
      groups="$groups $arg" ;;
  esac
done

# Entries wanted, in order, without duplicates.
entries=""
for g in $groups; do
  for e in $(group_packages "$g"); do
    case " $entries " in
      *" $e "*) ;;
      *) entries="$entries $e" ;;
    esac
  done
done

# Names provided by installed packages (virtual packages), one per line.
provided=""
provided_loaded=0
load_provided() {
  [ "$provided_loaded" -eq 1 ] && return 0
  provided_loaded=1
  provided=$(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
    awk -F'|' '$1 ~ /^[ih]i/ && $2 != "" {
      n = split($2, p, ",")
      for (i = 1; i <= n; i++) {
        s = p[i]
        sub(/\(.*$/, "", s); sub(/:.*$/, "", s)
        gsub(/[ \t]/, "", s)
        if (s != "") print s
      }
    }' | sort -u) || provided=""
}

is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || status=""
  case "$status" in
    *" installed"*) return 0 ;;
  esac
  load_provided
  if [ -n "$provided" ] && printf '%s\n' "$provided" | grep -qxF -- "$1"; then
    return 0
  fi
  return 1
}

# An alternative "x,y" is satisfied when every part is installed.
alt_ok() {
  local part
  local IFS=','
  for part in $1; do
    is_installed "$part" || return 1
  done
  return 0
}

# An entry "a|b" is satisfied when any alternative is.
entry_ok() {
  local alt
  local IFS='|'
  for alt in $1; do
    if alt_ok "$alt"; then
      return 0
    fi
  done
  return 1
}

# The packages to install for an unsatisfied entry: its first alternative.
entry_install() {
  local first=${1%%|*}
  printf '%s\n' "$first" | tr ',' ' '
}

missing=""
for e in $entries; do
  if ! entry_ok "$e"; then
    for p in $(entry_install "$e"); do
      is_installed "$p" && continue
      case " $missing " in
        *" $p "*) ;;
        *) missing="$missing $p" ;;
      esac
    done
  fi
done
missing=${missing# }

if [ -z "$missing" ]; then
  echo "deps: all present"
  exit 0
fi

install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing"

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages: $missing" >&2
  echo "deps: run this as root (for example through sudo sh -c '...'):" >&2
  echo "  $install_cmd" >&2
  exit 1
fi

echo "deps: installing: $missing"
apt-get update </dev/null
# $missing is intentionally split into separate package names.
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  $missing </dev/null

# Confirm that every requested entry is now satisfied.
provided_loaded=0
still=""
for e in $entries; do
  entry_ok "$e" || still="$still $e"
done
if [ -n "$still" ]; then
  echo "deps: still missing after install:$still" >&2
  exit 1
fi
echo "deps: installed: $missing"
