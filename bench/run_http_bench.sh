#!/usr/bin/env bash
# HTTP static-file benchmark: simplest_web_server, nginx and lighttpd serve the
# same 4 KiB file from the same temporary directory on free 127.0.0.1 ports,
# and wrk loads each in turn over keep-alive connections. Prints requests/s
# per server and the ratios ours/nginx and ours/lighttpd.
#
# Usage: bench/run_http_bench.sh BUILD_DIR
#
# Environment:
#   BENCH_THREADS   wrk threads      (default 1)
#   BENCH_CONNS     wrk connections  (default 50)
#   BENCH_SECONDS   wrk duration, s  (default 5)
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
SECONDS_=${BENCH_SECONDS:-5}
for v in "$THREADS" "$CONNS" "$SECONDS_"; do
  case "$v" in
    '' | *[!0-9]* | 0)
      echo "run_http_bench: BENCH_THREADS, BENCH_CONNS and BENCH_SECONDS must be positive integers" >&2
      exit 2
      ;;
  esac
done

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
chmod 644 "$www/file4k.bin"
want=$(sha256sum "$www/file4k.bin" | cut -d' ' -f1)

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

declare -A RPS ERR
NAMES="mgcore nginx lighttpd"
status=0

bench_one() { # NAME COMMAND...
  local name=$1 out rps errs rc got
  shift
  if ! start_server "$name" "$TMPD/$name.log" "$@"; then
    RPS[$name]=-
    ERR[$name]="did not start"
    status=1
    return
  fi
  local url="http://127.0.0.1:$SRV_PORT/file4k.bin"
  got=$(curl -sS --max-time 10 "$url" | sha256sum | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    RPS[$name]=-
    ERR[$name]="GET /file4k.bin did not return the file"
    status=1
    stop_pid "$SRV_PID"
    return
  fi
  out=$TMPD/wrk.$name
  timeout $((SECONDS_ + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_}s" "$url" >"$out" 2>&1
  rc=$?
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  errs=$(grep -E 'Socket errors|Non-2xx' "$out" | sed 's/^ *//' | paste -sd';' -)
  if [ "$rc" -ne 0 ] || [ -z "$rps" ]; then
    RPS[$name]=-
    ERR[$name]="wrk exit $rc"
    status=1
  else
    RPS[$name]=$rps
    ERR[$name]=${errs:-none}
    [ -z "$errs" ] || status=1
  fi
  echo "--- $name (127.0.0.1:$SRV_PORT)"
  sed 's/^/    /' "$out"
  stop_pid "$SRV_PID"
}

echo "wrk -t$THREADS -c$CONNS -d${SECONDS_}s, keep-alive, one 4 KiB file"
bench_one mgcore "$build/examples/simplest_web_server" "127.0.0.1:{PORT}" "$www"
if [ -n "$NGINX" ]; then
  bench_one nginx sh "$TMPD/with_port.sh" "{PORT}" "$TMPD/nginx/nginx.conf.in" \
    "$TMPD/nginx/nginx.conf" \
    "$NGINX" -p "$TMPD/nginx" -e "$TMPD/nginx/error.log" -c "$TMPD/nginx/nginx.conf"
else
  RPS[nginx]=-
  ERR[nginx]="not installed (ci/deps.sh interop)"
  status=1
fi
if [ -n "$LIGHTTPD" ]; then
  bench_one lighttpd sh "$TMPD/with_port.sh" "{PORT}" "$TMPD/lighttpd.conf.in" \
    "$TMPD/lighttpd.conf" "$LIGHTTPD" -D -f "$TMPD/lighttpd.conf"
else
  RPS[lighttpd]=-
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

echo
printf '%-10s %12s  %s\n' server 'requests/s' errors
for n in $NAMES; do
  printf '%-10s %12s  %s\n' "$n" "${RPS[$n]}" "${ERR[$n]}"
done
printf '%-16s %s\n' 'ours/nginx' "$(ratio "${RPS[mgcore]}" "${RPS[nginx]}")"
printf '%-16s %s\n' 'ours/lighttpd' "$(ratio "${RPS[mgcore]}" "${RPS[lighttpd]}")"
exit "$status"
