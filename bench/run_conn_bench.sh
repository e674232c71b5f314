#!/usr/bin/env bash
# Connection-scale benchmark: the echo server holding CONNS concurrent
# loopback connections, each exchanging one message, for the epoll build and
# the poll() build side by side.
#
# Usage: bench/run_conn_bench.sh        (from anywhere; paths are repo-relative)
#
# Environment:
#   CONNS               connections per run (default 10000)
#   CC                  compiler for conn_bench (default cc)
#   CONN_BENCH_TIMEOUT  seconds allowed per conn_bench run (default 60)
#
# Needs build/examples/echo_server and build/examples/echo_server_poll.
# Builds build/bench/conn_bench when it is missing or older than its source.
#
# For each server: start it on a free 127.0.0.1 port, read VmRSS before the
# run, run conn_bench, read VmHWM (peak RSS) and the open-fd count while every
# connection is held open, stop the server. RSS per connection is
# (VmHWM - VmRSS before) / conns. Exit status is 0 only if both runs echoed on
# every connection.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

CONNS=${CONNS:-10000}
BENCH_SRC=bench/conn_bench.c
BENCH_BIN=build/bench/conn_bench
BUILDS="echo_server echo_server_poll"
PORT_BASE=18000
PORT_TRIES=40

die() {
  echo "run_conn_bench: $*" >&2
  exit 1
}

case "$CONNS" in
  ''|*[!0-9]*) die "CONNS must be a positive integer (got '$CONNS')" ;;
esac
[ "$CONNS" -gt 0 ] || die "CONNS must be a positive integer"

[ -r /proc/self/status ] || die "/proc is required (Linux only)"

for b in $BUILDS; do
  [ -x "build/examples/$b" ] ||
    die "build/examples/$b not found or not executable; build the echo servers first"
done

# The client and the server each need one descriptor per connection plus a
# few more; both inherit this shell's limit.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ]; then
  [ "$hard" -ge $((CONNS + 64)) ] ||
    die "hard open-file limit $hard is too low for CONNS=$CONNS (need $((CONNS + 64)))"
fi
ulimit -n "$hard"

if [ ! -x "$BENCH_BIN" ] || [ "$BENCH_SRC" -nt "$BENCH_BIN" ]; then
  mkdir -p "$(dirname "$BENCH_BIN")"
  echo "run_conn_bench: compiling $BENCH_BIN"
  # CC may carry flags, so it is split on purpose.
  # shellcheck disable=SC2086
  ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
    -o "$BENCH_BIN" "$BENCH_SRC" || die "compiling $BENCH_SRC failed"
fi

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/conn_bench.XXXXXX")
SERVER_PID=""
CLIENT_PID=""

stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "run_conn_bench: pid $pid ignored SIGTERM for 5 s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_pid "$CLIENT_PID"
  stop_pid "$SERVER_PID"
  CLIENT_PID=""
  SERVER_PID=""
  rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Field NAME (in kB) of /proc/PID/status.
proc_kb() {
  awk -v k="$2:" '$1 == k { print $2; found = 1 } END { if (!found) exit 1 }' \
    "/proc/$1/status"
}

# Is any TCP socket bound to local port $1 (any state, IPv4 or IPv6)?
port_in_use() {
  local hex
  hex=$(printf '%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# Does process $1 own a socket listening on 127.0.0.1:$2?
owns_listener() {
  local pid=$1 hex inode fd
  hex=$(printf '0100007F:%04X' "$2")
  while read -r inode; do
    for fd in "/proc/$pid/fd/"*; do
      if [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ]; then
        return 0
      fi
    done
  done < <(awk -v a="$hex" '$2 == a && $4 == "0A" { print $10 }' /proc/net/tcp)
  return 1
}

# Number of open descriptors of process $1.
fd_count() {
  local list=("/proc/$1/fd/"*)
  [ -e "${list[0]}" ] || { echo 0; return 0; }
  echo "${#list[@]}"
}

# Start build/examples/$1 on a free port; sets SERVER_PID and PORT.
start_server() {
  local bin=build/examples/$1 try port
  for try in $(seq 0 $((PORT_TRIES - 1))); do
    port=$((PORT_BASE + (RANDOM % 2000) + try))
    port_in_use "$port" && continue
    "$bin" "127.0.0.1:$port" >"$TMPD/$1.log" 2>&1 </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      if owns_listener "$SERVER_PID" "$port"; then
        PORT=$port
        return 0
      fi
      sleep 0.05
    done
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      if port_in_use "$port"; then
        continue   # lost a race for the port; try another
      fi
      echo "run_conn_bench: $bin exited at startup; its output:" >&2
      sed 's/^/  /' "$TMPD/$1.log" >&2
      exit 1
    fi
    stop_pid "$SERVER_PID"
    SERVER_PID=""
  done
  die "$bin did not listen on 127.0.0.1 within 5 s on any of $PORT_TRIES ports"
}

# Value of KEY in a key=value line.
field() {
  local kv
  for kv in $2; do
    case "$kv" in
      "$1"=*) echo "${kv#*=}"; return 0 ;;
    esac
  done
  echo "-"
}

failed=0
declare -A R_ECHOED R_ERRORS R_HWM R_PERCONN R_TOTAL R_FDS R_CONNS

for b in $BUILDS; do
  start_server "$b"
  sleep 0.2
  rss_before=$(proc_kb "$SERVER_PID" VmRSS)

  peak="$TMPD/peak.$b"
  out="$TMPD/out.$b"
  rm -f "$peak"
  "$BENCH_BIN" 127.0.0.1 "$PORT" "$CONNS" "$peak" >"$out" 2>"$TMPD/err.$b" </dev/null &
  CLIENT_PID=$!

  hwm=""
  fds="-"
  while kill -0 "$CLIENT_PID" 2>/dev/null; do
    if [ -e "$peak" ]; then
      hwm=$(proc_kb "$SERVER_PID" VmHWM) || hwm=""
      fds=$(fd_count "$SERVER_PID") || fds="-"
      rm -f "$peak"
      break
    fi
    sleep 0.02
  done
  rc=0
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=""

  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run_conn_bench: $b died during the run" >&2
    sed 's/^/  /' "$TMPD/$b.log" >&2
    failed=1
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    hwm=${hwm:--}
  else
    # VmHWM is a high-water mark, so a late read still holds the peak.
    [ -n "$hwm" ] || hwm=$(proc_kb "$SERVER_PID" VmHWM)
    stop_pid "$SERVER_PID"
    SERVER_PID=""
  fi

  line=$(tail -n 1 "$out")
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "run_conn_bench: conn_bench against $b exited with status $rc" >&2
    sed 's/^/  /' "$TMPD/err.$b" >&2
  fi

  R_CONNS[$b]=$(field conns "$line")
  R_ECHOED[$b]=$(field echoed "$line")
  R_ERRORS[$b]=$(field errors "$line")
  R_TOTAL[$b]=$(field total_s "$line")
  R_HWM[$b]=$hwm
  R_FDS[$b]=$fds
  if [ "$hwm" != "-" ]; then
    R_PERCONN[$b]=$(( (hwm - rss_before) * 1024 / CONNS ))
  else
    R_PERCONN[$b]="-"
  fi
  echo "run_conn_bench: $b: $line rss_before_kib=$rss_before"
done

echo
printf '%-18s %7s %7s %7s %9s %14s %14s %9s\n' \
  build conns echoed errors srv_fds "peak_rss_KiB" "rss_per_conn_B" "wall_s"
for b in $BUILDS; do
  printf '%-18s %7s %7s %7s %9s %14s %14s %9s\n' \
    "$b" "${R_CONNS[$b]}" "${R_ECHOED[$b]}" "${R_ERRORS[$b]}" "${R_FDS[$b]}" \
    "${R_HWM[$b]}" "${R_PERCONN[$b]}" "${R_TOTAL[$b]}"
done

awk -v te="${R_TOTAL[echo_server]}" -v tp="${R_TOTAL[echo_server_poll]}" \
    -v re="${R_PERCONN[echo_server]}" -v rp="${R_PERCONN[echo_server_poll]}" '
  function ratio(a, b) {
    if (a == "-" || b == "-" || b + 0 <= 0) return "n/a"
    return sprintf("%.2fx", a / b)
  }
  BEGIN {
    printf "poll/epoll: wall time %s, rss per connection %s\n",
      ratio(tp, te), ratio(rp, re)
  }'

if [ "$failed" -ne 0 ]; then
  echo "run_conn_bench: FAILED (not every connection echoed)" >&2
  exit 1
fi
