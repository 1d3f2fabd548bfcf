#!/usr/bin/env bash
# The cost of putting metrics-proxy in front of an upstream, for small non-streaming chat
# completions (the fake upstream answers at once with 5 tokens):
#
#   1. added latency: wrk against the fake upstream directly, then through metrics-proxy, with
#      the same load (64 keep-alive connections; also 1 connection, where nothing queues). The
#      proxy's own histogram llm_proxy_overhead_seconds (time spent in the proxy, upstream wait
#      excluded) is reported next to it.
#   2. throughput: requests/s through metrics-proxy vs through Debian's nginx (proxy_pass with
#      upstream keep-alive, one worker as the proxy has one I/O thread; two workers for
#      reference) to the same upstream, same load.
#
#   bench/proxy_overhead.sh [--duration SECONDS]     (default 10 s per run)
#
# Needs wrk, nginx (nginx-light), curl, sqlite3 and python3. Environment: SAFEMIG_BENCH_BUILD_DIR
# (default build/release, built by this script when missing), SAFEMIG_BENCH_RESULTS (where wrk's
# outputs and summary.md go; default a new /tmp directory), SAFEMIG_BENCH_TMP (database dir).
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
duration=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
    *) echo "usage: bench/proxy_overhead.sh [--duration SECONDS]" >&2; exit 2 ;;
  esac
done
for tool in wrk nginx curl sqlite3 python3; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool: apt-get install -y wrk nginx-light curl sqlite3 python3" >&2
    exit 1
  }
done

build_dir=${SAFEMIG_BENCH_BUILD_DIR:-$root/build/release}
if [[ ! -x $build_dir/proxy/metrics-proxy || ! -x $build_dir/fake-upstream ]]; then
  (cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target metrics-proxy fake-upstream)
  build_dir=$root/build/release
fi
build_dir=$(realpath "$build_dir")
results=${SAFEMIG_BENCH_RESULTS:-$(mktemp -d /tmp/safemig-bench-proxy-XXXXXX)}
mkdir -p "$results"
scratch=$(mktemp -d "${SAFEMIG_BENCH_TMP:-/tmp}/safemig-bench-proxy-db-XXXXXX")

# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
trap 'stop_services; rm -rf "$scratch"' EXIT

cat >"$scratch/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-model","temperature":0.2,"messages":[{"role":"user","content":"Say hi"}]}'
LUA

# run_wrk NAME PORT CONNECTIONS: one wrk run (one thread, so every side faces the same client),
# output kept as $results/NAME.txt.
run_wrk() {
  local name=$1 port=$2 connections=$3
  wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$scratch/post.lua" \
    "http://127.0.0.1:$port/v1/chat/completions" >"$results/$name.txt"
  if grep -q 'Non-2xx' "$results/$name.txt"; then
    echo "$name: some responses were not 2xx:" >&2
    cat "$results/$name.txt" >&2
    exit 1
  fi
}

# wrk_field NAME FIELD: requests/s ("rps"), a latency percentile in ms ("50", "99"), or the
# number of requests ("requests").
wrk_field() {
  python3 - "$results/$1.txt" "$2" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
field = sys.argv[2]
if field == "rps":
    print(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
elif field == "requests":
    print(re.search(r"(\d+) requests in", text).group(1))
else:
    value, unit = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % field, text, re.M).groups()
    print("%.3f" % (float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]))
PY
}

# The proxy's llm_proxy_overhead_seconds histogram as "mean p50 p99" in ms (percentiles are
# the upper bounds of the buckets they fall in).
proxy_overhead_summary() {
  curl -s "http://127.0.0.1:$proxy_port/metrics" | python3 -c '
import re, sys
buckets, total, count = [], 0.0, 0
for line in sys.stdin:
    m = re.match(r"llm_proxy_overhead_seconds_bucket\{le=\"([^\"]+)\"\} (\d+)", line)
    if m: buckets.append((float(m.group(1)), int(m.group(2))))
    elif line.startswith("llm_proxy_overhead_seconds_sum "): total = float(line.split()[1])
    elif line.startswith("llm_proxy_overhead_seconds_count "): count = int(line.split()[1])
def quantile(q):
    for bound, cumulative in buckets:
        if cumulative >= q * count: return bound * 1e3
    return float("inf")
print("%.3f <=%.3g <=%.3g" % (total / max(count, 1) * 1e3, quantile(0.5), quantile(0.99)))'
}

start_fake_upstream --threads 1
upstream="http://127.0.0.1:$fake_port"
curl -sf -o /dev/null -H 'Content-Type: application/json' \
  -d '{"model":"m","messages":[{"role":"user","content":"x"}]}' "$upstream/v1/chat/completions"

echo "direct to the fake upstream ..."
run_wrk direct_c64 "$fake_port" 64
run_wrk direct_c1 "$fake_port" 1

echo "through metrics-proxy ..."
db=$scratch/metrics.db
start_proxy "$db" "$upstream"
run_wrk proxy_c64 "$proxy_port" 64
overhead_c64=$(proxy_overhead_summary)
kill -TERM "$proxy_pid"
wait "$proxy_pid" || true
rows_c64=$(sqlite3 "$db" 'SELECT count(*) FROM completion_requests')
rm -f "$db" "$db"-*
start_proxy "$db" "$upstream"
run_wrk proxy_c1 "$proxy_port" 1
overhead_c1=$(proxy_overhead_summary)
kill -TERM "$proxy_pid"
wait "$proxy_pid" || true
rows_c1=$(sqlite3 "$db" 'SELECT count(*) FROM completion_requests')

echo "through nginx ..."
start_nginx_proxy "$fake_port" 1
run_wrk nginx1_c64 "$nginx_port" 64
start_nginx_proxy "$fake_port" 2
run_wrk nginx2_c64 "$nginx_port" 64

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
minus() { python3 -c "print('%+.3f' % ($1 - $2))"; }
{
  echo "# metrics-proxy overhead ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, ${duration} s per run)"
  echo
  echo "| load | direct p50 / p99 ms | proxy p50 / p99 ms | added p50 / p99 ms | proxy's own overhead mean / p50 / p99 ms | goal |"
  echo "|---|---|---|---|---|---|"
  for c in 64 1; do
    d50=$(wrk_field direct_c$c 50) d99=$(wrk_field direct_c$c 99)
    p50=$(wrk_field proxy_c$c 50) p99=$(wrk_field proxy_c$c 99)
    overhead=overhead_c$c
    read -r mean o50 o99 <<<"${!overhead}"
    echo "| $c connections | $d50 / $d99 | $p50 / $p99 | $(minus "$p50" "$d50") / $(minus "$p99" "$d99") | $mean / $o50 / $o99 | p50 <= 0.3, p99 <= 1 |"
  done
  echo
  echo "| 64 connections | requests/s | vs nginx, 1 worker |"
  echo "|---|---|---|"
  nginx1=$(wrk_field nginx1_c64 rps)
  for name in direct_c64 proxy_c64 nginx1_c64 nginx2_c64; do
    rps=$(wrk_field $name rps)
    echo "| $name | $rps | $(ratio "$rps" "$nginx1")x |"
  done
  echo
  echo "rows recorded: $rows_c64 of $(wrk_field proxy_c64 requests)+ requests (64 connections)," \
    "$rows_c1 of $(wrk_field proxy_c1 requests)+ (1 connection); wrk counts only the responses" \
    "completed within its run, the proxy also records the ones cut off at the end."
} | tee "$results/summary.md"
echo "results: $results"
