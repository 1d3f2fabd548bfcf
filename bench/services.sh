# Sourced by the service benchmarks: starts the fake upstream, metrics-proxy and nginx in the
# background on free ports and stops them all when the sourcing script exits.
#
#   source bench/services.sh            (needs $build_dir: a release build of safemig)
#   start_fake_upstream [ARGS...]        sets fake_port
#   start_proxy DB UPSTREAM_URL [ARGS..] sets proxy_port, proxy_pid
#   start_nginx_proxy UPSTREAM_PORT [WORKERS]   sets nginx_port
#   rss_kib PID                          resident set size of PID, KiB
#   proxy_metric NAME                    a sample of the proxy's /metrics ('name{labels}' or name)
#
# Logs go to $service_logs (a new temporary directory, removed on exit unless KEEP_LOGS=1).

service_logs=$(mktemp -d /tmp/safemig-bench-services-XXXXXX)
service_pids=()

stop_services() {
  local pid
  for pid in "${service_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${service_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  service_pids=()
  if [[ ${KEEP_LOGS:-0} != 1 ]]; then rm -rf "$service_logs"; fi
}
trap stop_services EXIT

# start_service NAME PATTERN CMD...: runs CMD in the background (stdout/stderr in
# $service_logs/NAME.out/.err) and waits until its stdout has a line matching PATTERN.
start_service() {
  local name=$1 pattern=$2
  shift 2
  "$@" >"$service_logs/$name.out" 2>"$service_logs/$name.err" &
  service_pids+=($!)
  local _
  for _ in $(seq 1 400); do
    if grep -Eq "$pattern" "$service_logs/$name.out" 2>/dev/null; then return 0; fi
    if ! kill -0 "${service_pids[-1]}" 2>/dev/null; then
      echo "$name failed to start:" >&2
      cat "$service_logs/$name.err" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "$name did not start within 20 s; its log: $service_logs/$name.err" >&2
  exit 1
}

start_fake_upstream() {
  start_service fake-upstream '^[0-9]+$' "$build_dir/fake-upstream" --listen 127.0.0.1:0 "$@"
  fake_port=$(head -1 "$service_logs/fake-upstream.out")
}

start_proxy() {
  local db=$1 upstream=$2
  shift 2
  start_service metrics-proxy 'listening on' "$build_dir/proxy/metrics-proxy" --db "$db" \
    --listen 127.0.0.1:0 --upstream "$upstream" --log-level warn "$@"
  proxy_pid=${service_pids[-1]}
  proxy_port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$service_logs/metrics-proxy.out")
}

# nginx as a reverse proxy with upstream keep-alive, the configuration its documentation gives
# for proxying HTTP/1.1 with persistent upstream connections; the access log is written
# (buffered) as the proxy's record of each request is.
start_nginx_proxy() {
  local upstream_port=$1 workers=${2:-1}
  local dir=$service_logs/nginx
  mkdir -p "$dir"
  nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 10000; }
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
  nginx -c "$dir/nginx.conf" -e "$dir/error.log" >"$service_logs/nginx.out" 2>"$service_logs/nginx.err" &
  service_pids+=($!)
  local _
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "http://127.0.0.1:$nginx_port/v1/models"; then return 0; fi
    sleep 0.05
  done
  echo "nginx did not start; its log: $dir/error.log" >&2
  exit 1
}

rss_kib() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

proxy_metric() {
  curl -s "http://127.0.0.1:$proxy_port/metrics" | awk -v name="$1" '$1 == name {print $2}'
}
