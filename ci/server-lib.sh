# shellcheck shell=bash
# shellcheck disable=SC2034  # SRV_PID and SRV_PORT are for the caller
# Helpers for scripts that start servers on free 127.0.0.1 ports and stop
# them again. Source it from bash:
#
#   . ci/server-lib.sh
#   trap stop_servers EXIT
#   start_server NAME LOGFILE COMMAND... ({PORT} in an argument becomes the port)
#   echo "$SRV_PID listens on $SRV_PORT"
#
# start_server tries up to 40 random ports in 20000..59999 that no TCP
# socket uses, and returns once the started process (or one of its children,
# for servers that fork workers) listens on 127.0.0.1:PORT. A process that
# exits at startup while the port became busy counts as a lost race and the
# next port is tried; any other early exit, or no listener within 5 s, fails.

SRV_PIDS=""
SRV_PID=""
SRV_PORT=""

# Is any TCP socket bound to local port $1 (any state, IPv4 or IPv6)?
port_in_use() {
  local hex
  hex=$(printf '%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# Does process $1 or a child of it own a socket listening on 127.0.0.1:$2?
owns_listener() {
  local pid=$1 hex inode fd p pids
  hex=$(printf '0100007F:%04X' "$2")
  pids="$pid $(cat "/proc/$pid/task/"*/children 2>/dev/null)"
  while read -r inode; do
    for p in $pids; do
      for fd in "/proc/$p/fd/"*; do
        if [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ]; then
          return 0
        fi
      done
    done
  done < <(awk -v a="$hex" '$2 == a && $4 == "0A" { print $10 }' /proc/net/tcp)
  return 1
}

# Stops process $1: SIGTERM, then SIGKILL after 5 s.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "pid $pid ignored SIGTERM for 5 s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# Stops every process that start_server started.
stop_servers() {
  local pid
  for pid in $SRV_PIDS; do
    stop_pid "$pid"
  done
  SRV_PIDS=""
}

# start_server NAME LOGFILE COMMAND...: sets SRV_PID and SRV_PORT.
start_server() {
  local name=$1 log=$2 port pid arg
  shift 2
  local -a cmd
  for _ in $(seq 0 39); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    port_in_use "$port" && continue
    cmd=()
    for arg in "$@"; do
      cmd+=("${arg//\{PORT\}/$port}")
    done
    "${cmd[@]}" >"$log" 2>&1 </dev/null &
    pid=$!
    SRV_PIDS="$SRV_PIDS $pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      if owns_listener "$pid" "$port"; then
        SRV_PID=$pid
        SRV_PORT=$port
        return 0
      fi
      sleep 0.05
    done
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      port_in_use "$port" && continue   # lost a race for the port
      echo "$name exited at startup; its output:" >&2
      sed 's/^/  /' "$log" >&2
      return 1
    fi
    echo "$name did not listen on 127.0.0.1:$port within 5 s; its output:" >&2
    sed 's/^/  /' "$log" >&2
    stop_pid "$pid"
    return 1
  done
  echo "$name: no free port found in 40 tries" >&2
  return 1
}

# ---- for check scripts ------------------------------------------------------
# check_begin NAME: counters, a temp dir ($TMPD) and the cleanup trap that
# stops the servers and removes it; ok/fail count a check; finish prints
# "N passed, N failed" and exits with the verdict.
passed=0
failed=0
check_begin() {
  TMPD=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  # shellcheck disable=SC2064  # expand TMPD now
  trap "stop_servers; rm -rf '$TMPD'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
ok() {
  passed=$((passed + 1))
  echo "ok $*"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $*"
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
