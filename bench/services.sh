# shellcheck shell=bash disable=SC2034  # Sourced; the variables it sets are for the sourcing script.
# Sourced by the service benchmarks: prepares the build, results and scratch directories, starts
# the fake upstream, metrics-proxy and nginx in the background on free ports and stops them all
# (and removes the scratch directory) when the sourcing script exits.
#
#   source bench/services.sh
#   require_tools TOOL...                exits naming the Debian packages when one is missing
#   prepare_bench NAME BINARY...         sets build_dir, results and scratch (see below)
#   start_fake_upstream [ARGS...]        sets fake_port
#   start_proxy DB UPSTREAM_URL [ARGS..] sets proxy_port, proxy_pid
#   start_nginx_proxy UPSTREAM_PORT [WORKERS]   sets nginx_port and nginx_worker_pids
#   service_launcher=(CMD...)            start_proxy and start_nginx_proxy run their binary
#                                        under CMD (e.g. valgrind --tool=callgrind); nginx then
#                                        runs as one process (no master), which is its worker
#   service_start_timeout_s=S            how long a service may take to start (default 20 s)
#   median VALUE...                      the middle value (the lower middle of an even count)
#   rss_kib PID                          resident set size of PID, KiB
#   proxy_metric NAME                    a sample of the proxy's /metrics ('name{labels}' or name)
#   proxy_binary_summary                 one line naming the measured metrics-proxy build
#   cpu_ticks                            "TOTAL STEAL": the machine's CPU ticks so far
#   steal_percent BEFORE AFTER           % of the CPU time between two cpu_ticks samples stolen
#
# Logs go to $service_logs (a new temporary directory, removed on exit unless KEEP_LOGS=1).

# shellcheck source=bench/build.sh
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"

service_logs=$(mktemp -d /tmp/safemig-bench-services-XXXXXX)
service_pids=()
service_launcher=()
service_start_timeout_s=20

scratch=

stop_services() {
  if [[ -n $scratch ]]; then rm -rf "$scratch"; fi
  local pid
  for pid in "${service_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${service_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  service_pids=()
  if [[ ${KEEP_LOGS:-0} != 1 ]]; then rm -rf "$service_logs"; fi
}
trap stop_services EXIT

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || {
      echo "missing $tool: apt-get install -y wrk nghttp2-client nginx-light jq curl sqlite3 python3" >&2
      exit 1
    }
  done
}

# prepare_bench NAME BINARY...: build_dir as build_current (bench/build.sh) sets it, with the
# BINARYs (paths relative to the build directory) brought up to date; results is
# SAFEMIG_BENCH_RESULTS or a new /tmp/safemig-bench-NAME-* directory (kept); scratch is a new
# directory under SAFEMIG_BENCH_TMP (default /tmp), removed on exit.
prepare_bench() {
  local name=$1 binary targets=()
  shift
  for binary in "$@"; do
    targets+=("$(basename "$binary")")
  done
  build_current "${targets[@]}"
  results=${SAFEMIG_BENCH_RESULTS:-$(mktemp -d "/tmp/safemig-bench-$name-XXXXXX")}
  mkdir -p "$results"
  scratch=$(mktemp -d "${SAFEMIG_BENCH_TMP:-/tmp}/safemig-bench-$name-db-XXXXXX")
}

# start_service NAME PATTERN CMD...: runs CMD in the background (stdout/stderr in
# $service_logs/NAME.out/.err) and waits until its stdout has a line matching PATTERN.
start_service() {
  local name=$1 pattern=$2
  shift 2
  "$@" >"$service_logs/$name.out" 2>"$service_logs/$name.err" &
  service_pids+=($!)
  local _
  for _ in $(seq 1 $((service_start_timeout_s * 20))); do
    if grep -Eq "$pattern" "$service_logs/$name.out" 2>/dev/null; then return 0; fi
    if ! kill -0 "${service_pids[-1]}" 2>/dev/null; then
      echo "$name failed to start:" >&2
      cat "$service_logs/$name.err" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "$name did not start within $service_start_timeout_s s; its log: $service_logs/$name.err" >&2
  exit 1
}

start_fake_upstream() {
  start_service fake-upstream '^[0-9]+$' "$build_dir/fake-upstream" --listen 127.0.0.1:0 "$@"
  fake_port=$(head -1 "$service_logs/fake-upstream.out")
}

# proxy_binary_summary: the measured metrics-proxy: path, the start of its SHA-256, when it was
# built, and the malloc it links (jemalloc, or the C library's: "system").
proxy_binary_summary() {
  local binary=$build_dir/proxy/metrics-proxy malloc=system
  if ldd "$binary" 2>/dev/null | grep -q 'libjemalloc'; then malloc=jemalloc; fi
  echo "metrics-proxy: $binary, sha256 $(sha256sum "$binary" | cut -c1-16)," \
    "built $(date -u -r "$binary" +%Y-%m-%dT%H:%M:%SZ), malloc $malloc"
}

start_proxy() {
  local db=$1 upstream=$2
  shift 2
  start_service metrics-proxy 'listening on' "${service_launcher[@]}" \
    "$build_dir/proxy/metrics-proxy" --db "$db" \
    --listen 127.0.0.1:0 --upstream "$upstream" --log-level warn "$@"
  proxy_pid=${service_pids[-1]}
  proxy_port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$service_logs/metrics-proxy.out")
}

# nginx as a reverse proxy with upstream keep-alive, the configuration its documentation gives
# for proxying HTTP/1.1 with persistent upstream connections; the access log is written
# (buffered) as the proxy's record of each request is. Responses are relayed unbuffered
# (proxy_buffering off), as SSE needs. Each worker takes up to 15,000 connections (two per
# proxied request), within its descriptor limit of 20,000. Sets nginx_worker_pids too.
start_nginx_proxy() {
  local upstream_port=$1 workers=${2:-1}
  local dir=$service_logs/nginx
  mkdir -p "$dir"
  nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
worker_rlimit_nofile 20000;
daemon off;
master_process $([[ ${#service_launcher[@]} == 0 ]] && echo on || echo off);
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 15000; }
http {
  access_log $dir/access.log combined buffer=64k flush=1s;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  client_max_body_size 32m;
  upstream fake { server 127.0.0.1:$upstream_port; keepalive 128; }
  server {
    listen 127.0.0.1:$nginx_port;
    location /v1/ {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
CONF
  "${service_launcher[@]}" nginx -c "$dir/nginx.conf" -e "$dir/error.log" \
    >"$service_logs/nginx.out" 2>"$service_logs/nginx.err" &
  service_pids+=($!)
  local _
  for _ in $(seq 1 $((service_start_timeout_s * 20))); do
    if curl -s -o /dev/null "http://127.0.0.1:$nginx_port/v1/models"; then
      if [[ ${#service_launcher[@]} == 0 ]]; then
        nginx_worker_pids=$(pgrep -P "${service_pids[-1]}" | paste -sd ' ')
      else
        nginx_worker_pids=${service_pids[-1]}
      fi
      return 0
    fi
    sleep 0.05
  done
  echo "nginx did not start; its log: $dir/error.log" >&2
  exit 1
}

# median VALUE...: the middle of the values (the lower middle of an even count), as given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

rss_kib() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

proxy_metric() {
  curl -s "http://127.0.0.1:$proxy_port/metrics" | awk -v name="$1" '$1 == name {print $2}'
}

# cpu_ticks: "TOTAL STEAL", the machine's CPU time so far in ticks (/proc/stat, all CPUs) and the
# part of it stolen: time the hypervisor ran something else while a virtual CPU had work. Steal
# delays every thread of the benchmark at once (0 on bare metal).
cpu_ticks() {
  awk '$1 == "cpu" { total = 0; for (i = 2; i <= NF; ++i) total += $i; print total, $9; exit }' /proc/stat
}

# steal_percent BEFORE AFTER: the share of the CPU time between two cpu_ticks samples that was
# stolen, in percent with one decimal.
steal_percent() {
  awk -v b="$1" -v a="$2" 'BEGIN {
    split(b, x, " "); split(a, y, " "); total = y[1] - x[1]
    printf "%.1f\n", (total > 0 ? 100 * (y[2] - x[2]) / total : 0) }'
}
