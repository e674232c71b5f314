#!/usr/bin/env bash
# HTTP static-file benchmark: simplest_web_server, nginx and lighttpd serve the
# same files from the same temporary directory on free 127.0.0.1 ports, and
# wrk loads each in turn over keep-alive connections, in three
# configurations: a 4 KiB file over 50 connections, a 1 MiB file over 50,
# and the 4 KiB file over 200. Each configuration runs BENCH_REPEAT times,
# the three servers one after the other in a rotating order, so that all
# three see the same background load; the ratios ours/nginx and
# ours/lighttpd are taken within each round, and their median, minimum and
# maximum printed.
#
# Usage: bench/run_http_bench.sh BUILD_DIR
#
# Environment:
#   BENCH_THREADS   wrk threads                        (default 1)
#   BENCH_CONNS     connections of the first two runs  (default 50)
#   BENCH_CONNS_HI  connections of the third           (default 200)
#   BENCH_SECONDS   wrk duration per run, s            (default 5)
#   BENCH_REPEAT    rounds per configuration           (default 3)
#   BENCH_PIN       1: servers on CPU 0, wrk on CPU 1 (default when there
#                   are two CPUs or more and taskset exists), 0: no pinning
#
# Needs wrk and curl (ci/deps.sh bench), nginx and lighttpd (ci/deps.sh
# interop). nginx runs with one worker, no access log, sendfile and
# keep-alive; lighttpd with its defaults plus unlimited keep-alive requests.
# Both get a generated configuration, pid file, logs and temporary paths in
# a temporary directory, so the script runs as root or not. Every server is
# stopped on exit. Exit status 0 only when all three ran with no error.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd) || exit 2
# shellcheck source=ci/server-lib.sh
. "$ROOT/ci/server-lib.sh"

THREADS=${BENCH_THREADS:-1}
CONNS=${BENCH_CONNS:-50}
CONNS_HI=${BENCH_CONNS_HI:-200}
SECONDS_=${BENCH_SECONDS:-5}
REPEAT=${BENCH_REPEAT:-3}
for v in "$THREADS" "$CONNS" "$CONNS_HI" "$SECONDS_" "$REPEAT"; do
  case "$v" in
    '' | *[!0-9]* | 0)
      echo "run_http_bench: BENCH_THREADS, BENCH_CONNS, BENCH_CONNS_HI, BENCH_SECONDS and BENCH_REPEAT must be positive integers" >&2
      exit 2
      ;;
  esac
done
PIN=${BENCH_PIN:-}
if [ -z "$PIN" ]; then
  if command -v taskset >/dev/null 2>&1 && [ "$(nproc 2>/dev/null || echo 1)" -ge 2 ]; then
    PIN=1
  else
    PIN=0
  fi
fi
# Server and load generator on CPUs of their own: on two CPUs the kernel
# would otherwise move them about, and each server would get a different
# share of the machine.
SRV_CPU=()
WRK_CPU=()
if [ "$PIN" = 1 ]; then
  SRV_CPU=(taskset -c 0)
  WRK_CPU=(taskset -c 1)
fi

die() {
  echo "run_http_bench: $*" >&2
  exit 1
}

command -v wrk >/dev/null 2>&1 || die "wrk not found (install it with: ci/deps.sh bench)"
command -v curl >/dev/null 2>&1 || die "curl not found (install it with: ci/deps.sh bench)"
[ -x "$build/examples/simplest_web_server" ] ||
  die "$build/examples/simplest_web_server not found (run make all first)"
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; }
LIGHTTPD=$(command -v lighttpd || true)
[ -n "$LIGHTTPD" ] || { [ -x /usr/sbin/lighttpd ] && LIGHTTPD=/usr/sbin/lighttpd; }

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/http_bench.XXXXXX")
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  stop_servers
  rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# nginx drops its workers to "nobody" when started as root: they must be
# able to reach the files.
chmod 755 "$TMPD"
www=$TMPD/www
mkdir -p "$www" "$TMPD/nginx/tmp"
head -c 4096 /dev/urandom >"$www/file4k.bin"
head -c 1048576 /dev/urandom >"$www/file1m.bin"
chmod 644 "$www/file4k.bin" "$www/file1m.bin"
declare -A WANT
for f in file4k.bin file1m.bin; do
  WANT[$f]=$(sha256sum "$www/$f" | cut -d' ' -f1)
done
# mgcore keeps a small file in memory only once it has not changed for two
# seconds (a change within the file system's timestamp tick could not be
# told apart otherwise): files written just now are read afresh each time.
# A server's document root is not usually written a moment before the load.
sleep 2

# The configurations are templates until the port is known: with_port.sh
# PORT TEMPLATE CONF COMMAND... writes CONF with @PORT@ replaced and execs
# COMMAND, so that start_server's {PORT} reaches the configuration.
cat >"$TMPD/with_port.sh" <<'EOF'
#!/bin/sh
sed "s/@PORT@/$1/g" "$2" >"$3" || exit 1
shift 3
exec "$@"
EOF

cat >"$TMPD/nginx/nginx.conf.in" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $TMPD/nginx/nginx.pid;
error_log $TMPD/nginx/error.log warn;
events {
  worker_connections 1024;
}
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  default_type application/octet-stream;
  client_body_temp_path $TMPD/nginx/tmp/body;
  proxy_temp_path $TMPD/nginx/tmp/proxy;
  fastcgi_temp_path $TMPD/nginx/tmp/fastcgi;
  uwsgi_temp_path $TMPD/nginx/tmp/uwsgi;
  scgi_temp_path $TMPD/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:@PORT@;
    root $www;
  }
}
EOF

cat >"$TMPD/lighttpd.conf.in" <<EOF
server.document-root = "$www"
server.bind = "127.0.0.1"
server.port = @PORT@
server.errorlog = "$TMPD/lighttpd-error.log"
server.max-keep-alive-requests = 100000000
server.max-keep-alive-idle = 65
mimetype.assign = ( "" => "application/octet-stream" )
EOF

declare -A PORT RPS ERR
NAMES="mgcore nginx lighttpd"
status=0

start_one() { # NAME COMMAND...
  local name=$1 f got
  shift
  if ! start_server "$name" "$TMPD/$name.log" "${SRV_CPU[@]}" "$@"; then
    ERR[$name]="did not start"
    status=1
    return
  fi
  for f in file4k.bin file1m.bin; do
    got=$(curl -sS --max-time 10 "http://127.0.0.1:$SRV_PORT/$f" | sha256sum | cut -d' ' -f1)
    if [ "$got" != "${WANT[$f]}" ]; then
      ERR[$name]="GET /$f did not return the file"
      status=1
      stop_pid "$SRV_PID"
      return
    fi
  done
  PORT[$name]=$SRV_PORT
}

# wrk_one NAME FILE CONNS KEY: requests/s into RPS[KEY], or "-".
wrk_one() {
  local name=$1 file=$2 conns=$3 key=$4 out rc rps errs
  if [ -z "${PORT[$name]:-}" ]; then
    RPS[$key]=-
    return
  fi
  out=$TMPD/wrk.$key
  timeout $((SECONDS_ + 30)) "${WRK_CPU[@]}" wrk -t"$THREADS" -c"$conns" -d"${SECONDS_}s" \
    "http://127.0.0.1:${PORT[$name]}/$file" >"$out" 2>&1
  rc=$?
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  errs=$(grep -E 'Socket errors|Non-2xx' "$out" | sed 's/^ *//' | paste -sd';' -)
  if [ "$rc" -ne 0 ] || [ -z "$rps" ]; then
    RPS[$key]=-
    ERR[$name]="wrk exit $rc"
    status=1
  else
    RPS[$key]=$rps
    if [ -n "$errs" ]; then
      ERR[$name]="$errs"
      status=1
    fi
  fi
}

echo "wrk -t$THREADS -d${SECONDS_}s, keep-alive, $REPEAT rounds per configuration" \
  "(pinned: $([ "$PIN" = 1 ] && echo 'servers CPU 0, wrk CPU 1' || echo no))"
start_one mgcore "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" "$www"
if [ -n "$NGINX" ]; then
  start_one nginx sh "$TMPD/with_port.sh" "{PORT}" "$TMPD/nginx/nginx.conf.in" \
    "$TMPD/nginx/nginx.conf" \
    "$NGINX" -p "$TMPD/nginx" -e "$TMPD/nginx/error.log" -c "$TMPD/nginx/nginx.conf"
else
  ERR[nginx]="not installed (ci/deps.sh interop)"
  status=1
fi
if [ -n "$LIGHTTPD" ]; then
  start_one lighttpd sh "$TMPD/with_port.sh" "{PORT}" "$TMPD/lighttpd.conf.in" \
    "$TMPD/lighttpd.conf" "$LIGHTTPD" -D -f "$TMPD/lighttpd.conf"
else
  ERR[lighttpd]="not installed (ci/deps.sh interop)"
  status=1
fi

ratio() { # A B
  if [ "$1" = - ] || [ "$2" = - ]; then
    echo -
  else
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
  fi
}

# median, min and max of the numbers given ("-" ignored)
spread() {
  printf '%s\n' "$@" | grep -v '^-$' | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "-"; exit }
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

CONFIGS="file4k.bin:$CONNS file1m.bin:$CONNS file4k.bin:$CONNS_HI"
for cfg in $CONFIGS; do
  file=${cfg%%:*}
  conns=${cfg##*:}
  echo
  echo "=== $file, $conns connections"
  printf '%-6s %12s %12s %12s %11s %14s\n' round mgcore nginx lighttpd ours/nginx ours/lighttpd
  rn=()
  rl=()
  for r in $(seq 1 "$REPEAT"); do
    # A rotating order: no server always runs first, or right after another.
    order=$(echo "$NAMES $NAMES" | cut -d' ' -f$(((r - 1) % 3 + 1))-$(((r - 1) % 3 + 3)))
    for n in $order; do
      wrk_one "$n" "$file" "$conns" "$n.$r"
    done
    a=$(ratio "${RPS[mgcore.$r]}" "${RPS[nginx.$r]}")
    b=$(ratio "${RPS[mgcore.$r]}" "${RPS[lighttpd.$r]}")
    rn+=("$a")
    rl+=("$b")
    printf '%-6s %12s %12s %12s %11s %14s\n' "$r" "${RPS[mgcore.$r]}" "${RPS[nginx.$r]}" \
      "${RPS[lighttpd.$r]}" "$a" "$b"
  done
  printf '%-16s %s\n' 'ours/nginx' "$(spread "${rn[@]}")   median (min-max)"
  printf '%-16s %s\n' 'ours/lighttpd' "$(spread "${rl[@]}")   median (min-max)"
done

echo
for n in $NAMES; do
  printf '%-10s errors: %s\n' "$n" "${ERR[$n]:-none}"
done
exit "$status"
