#!/usr/bin/env bash
# CPU per request by instruction count: metrics-proxy against Debian's nginx (`proxy_pass`, the
# configuration bench/services.sh gives it) in front of the same fake upstream, under the same
# load. Instructions, unlike CPU time, do not move with the host's scheduling noise or steal.
#
#   bench/instructions_per_request.sh [--requests N] [--connections C] [--rounds R]
#                                     (defaults 4000, 64, 2)
#
# Each side runs under valgrind --tool=callgrind (every thread counted: the proxy's I/O thread
# and its recorder's writer thread; nginx runs as one process without a master). Per round and
# side: 200 requests warm the process up, its counters are zeroed (callgrind_control -z), h2load
# sends N small non-streaming chat completions over C keep-alive connections (a closed loop, as
# fast as the instrumented process answers), the proxy's rows are waited for (its recorder
# writes them after the answers), then the counters are dumped; instructions per request are
# the dump's total over N. Under callgrind a process runs some 50 times slower, so the fake
# upstream (not instrumented) is never the bottleneck and each side sees the same closed loop.
#
# Needs valgrind, h2load (nghttp2-client), nginx (nginx-light), curl, sqlite3 and python3.
# Environment: SAFEMIG_BENCH_BUILD_DIR (default build/release; the binaries are brought up to
# date first), SAFEMIG_BENCH_RESULTS (where the callgrind dumps and summary.md go; default a new
# /tmp directory), SAFEMIG_BENCH_TMP (database dir, default /tmp).
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
requests=4000
connections=64
rounds=2
usage="usage: bench/instructions_per_request.sh [--requests N] [--connections C] [--rounds R]"
while [[ $# -gt 0 ]]; do
  case $1 in
    --requests) requests=${2:?--requests needs a number}; shift 2 ;;
    --connections) connections=${2:?--connections needs a number}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
for value in "$requests" "$connections" "$rounds"; do
  if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
    echo "bench/instructions_per_request.sh: --requests, --connections and --rounds take whole" \
      "numbers above 0" >&2
    exit 2
  fi
done
if ((requests < connections)); then
  echo "bench/instructions_per_request.sh: --requests must be at least --connections" >&2
  exit 2
fi
# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
require_tools valgrind callgrind_control h2load nginx curl sqlite3 python3
prepare_bench instructions proxy/metrics-proxy fake-upstream
printf '%s' '{"model":"bench-model","temperature":0.2,"messages":[{"role":"user","content":"Say hi"}]}' \
  >"$scratch/body.json"

start_fake_upstream --threads 1
upstream="http://127.0.0.1:$fake_port"
warmup=200

# load PORT COUNT: COUNT chat completions over $connections connections; exits unless all of
# them were answered 200.
load() {
  local port=$1 count=$2 out
  out=$(h2load --h1 -c "$connections" -n "$count" -d "$scratch/body.json" \
    -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/chat/completions")
  if ! grep -Eq "status codes: $count 2xx" <<<"$out"; then
    echo "not every request through port $port was answered 200:" >&2
    echo "$out" >&2
    exit 1
  fi
}

# rows DB: the rows the proxy has committed to DB.
rows() { sqlite3 -cmd '.timeout 2000' "$1" 'SELECT count(*) FROM completion_requests'; }

# instructions_counted PID NAME: dumps PID's callgrind counters as $results/NAME.callgrind and
# prints the instructions counted since they were zeroed.
instructions_counted() {
  local pid=$1 name=$2 before after dump
  before=$(find "$scratch" -name "callgrind.$pid.*" | sort)
  callgrind_control -d "$pid" >/dev/null 2>&1
  for _ in $(seq 1 200); do
    after=$(find "$scratch" -name "callgrind.$pid.*" | sort)
    dump=$(comm -13 <(echo "$before") <(echo "$after") | head -1)
    if [[ -n $dump ]] && grep -q '^totals:' "$dump"; then break; fi
    sleep 0.1
  done
  [[ -n $dump ]] || { echo "callgrind wrote no dump for $name (pid $pid)" >&2; exit 1; }
  cp "$dump" "$results/$name.callgrind"
  awk '$1 == "totals:" {print $2}' "$dump"
}

# stop PID: SIGTERM and wait (callgrind writes a final dump of its own, which is not used).
stop() {
  kill -TERM "$1"
  wait "$1" 2>/dev/null || true
}

service_launcher=(valgrind --tool=callgrind "--callgrind-out-file=$scratch/callgrind.%p.out")
service_start_timeout_s=120

proxy_values=() nginx_values=() ratios=()
for ((round = 1; round <= rounds; ++round)); do
  echo "round $round of $rounds: nginx under callgrind ..." >&2
  start_nginx_proxy "$fake_port" 1
  load "$nginx_port" "$warmup"
  callgrind_control -z "$nginx_worker_pids" >/dev/null 2>&1
  load "$nginx_port" "$requests"
  sleep 2  # nginx flushes its buffered access log every second; that write is part of the cost.
  nginx_total=$(instructions_counted "$nginx_worker_pids" "nginx_$round")
  stop "$nginx_worker_pids"

  echo "round $round of $rounds: metrics-proxy under callgrind ..." >&2
  db=$scratch/metrics-$round.db
  start_proxy "$db" "$upstream"
  load "$proxy_port" "$warmup"
  for _ in $(seq 1 600); do
    if (($(rows "$db") >= warmup)); then break; fi
    sleep 0.1
  done
  callgrind_control -z "$proxy_pid" >/dev/null 2>&1
  load "$proxy_port" "$requests"
  for _ in $(seq 1 600); do
    if (($(rows "$db") >= warmup + requests)); then break; fi
    sleep 0.1
  done
  recorded=$(rows "$db")
  if ((recorded < warmup + requests)); then
    echo "the proxy recorded $recorded rows of $((warmup + requests)) within 60 s" >&2
    exit 1
  fi
  proxy_total=$(instructions_counted "$proxy_pid" "proxy_$round")
  stop "$proxy_pid"

  proxy_values+=("$(python3 -c "print(round($proxy_total / $requests))")")
  nginx_values+=("$(python3 -c "print(round($nginx_total / $requests))")")
  ratios+=("$(python3 -c "print('%.2f' % ($proxy_total / $nginx_total))")")
done

{
  echo "# Instructions per request, metrics-proxy vs nginx ($(date -u +%Y-%m-%dT%H:%M:%SZ)," \
    "$requests requests over $connections connections per side and round, callgrind)"
  proxy_binary_summary
  echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), 1 process"
  echo
  echo "| round | metrics-proxy instructions per request | nginx instructions per request | proxy / nginx |"
  echo "|---|---|---|---|"
  for ((round = 1; round <= rounds; ++round)); do
    i=$((round - 1))
    echo "| $round | ${proxy_values[$i]} | ${nginx_values[$i]} | ${ratios[$i]}x |"
  done
  echo "| **median** | $(median "${proxy_values[@]}") | $(median "${nginx_values[@]}") |" \
    "**$(median "${ratios[@]}")x** (goal <= 1.00x) |"
} | tee "$results/summary.md"
echo "results: $results"
