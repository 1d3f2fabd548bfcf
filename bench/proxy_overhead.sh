#!/usr/bin/env bash
# The cost of putting metrics-proxy in front of an upstream, for small non-streaming chat
# completions (the fake upstream answers at once with 5 tokens):
#
#   1. added latency: the fake upstream called directly, then through metrics-proxy (and, for
#      reference, through nginx), with the same load: 64 keep-alive connections sending at a
#      fixed rate (h2load --rps; RATE requests/s per connection), so that latency measures what
#      the proxy adds to a request, not the queue a saturating closed loop builds; three rounds
#      alternating direct, nginx and proxy, so that each round's sides face the same machine
#      (hypervisor steal comes and goes within seconds), each round reported and the medians of
#      the added latencies; also one connection sending back to back (wrk -c1). The proxy's own
#      histogram llm_proxy_overhead_seconds (time spent in the proxy, upstream wait excluded) is
#      reported next to it.
#   2. throughput: requests/s through metrics-proxy vs through Debian's nginx (proxy_pass with
#      upstream keep-alive, one worker as the proxy has one I/O thread; two workers for
#      reference) to the same upstream, same load; three rounds alternating direct, nginx and
#      proxy (medians reported), each with the CPU time the serving process spent per request
#      (the proxy's includes its recorder thread writing the rows).
#
#   bench/proxy_overhead.sh [--duration SECONDS] [--rate RATE] [--cpus LIST]
#                                 (default 10 s per run, 50 requests/s per connection)
#
# --cpus runs every process of the benchmark (load generators, upstream, proxy, nginx) on the
# listed CPUs only (taskset's list syntax, e.g. 0 or 0-1). On a virtual machine, a wakeup that
# crosses to an idle virtual CPU waits for the hypervisor to run that CPU again; each hop a proxy
# adds is one more such wakeup. With --cpus 0 no wakeup crosses CPUs, and the tail measures the
# work done rather than the hypervisor's scheduling (at the price of one core for everything).
#
# Needs wrk, h2load (nghttp2-client), nginx (nginx-light), curl, sqlite3 and python3.
# Environment: SAFEMIG_BENCH_BUILD_DIR (default build/release; the binaries are brought up to
# date before the run), SAFEMIG_BENCH_RESULTS (where wrk's outputs and summary.md go; default a
# new /tmp directory), SAFEMIG_BENCH_TMP (database dir).
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
duration=10
rate=50
cpus=
args=("$@")
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
    --rate) rate=${2:?--rate needs requests per second per connection}; shift 2 ;;
    --cpus) cpus=${2:?--cpus needs a CPU list such as 0 or 0-1}; shift 2 ;;
    *)
      echo "usage: bench/proxy_overhead.sh [--duration SECONDS] [--rate RATE] [--cpus LIST]" >&2
      exit 2
      ;;
  esac
done
if ! [[ $duration =~ ^[1-9][0-9]*$ && $rate =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/proxy_overhead.sh: --duration and --rate take whole numbers above 0" >&2
  exit 2
fi
# The script runs again under taskset, so that everything it starts inherits the CPU list.
if [[ -n $cpus && -z ${SAFEMIG_BENCH_CPUS_SET:-} ]]; then
  if ! taskset -c "$cpus" true 2>/dev/null; then
    echo "bench/proxy_overhead.sh: --cpus '$cpus' is not a list of this machine's CPUs" \
      "(online: $(cat /sys/devices/system/cpu/online))" >&2
    exit 2
  fi
  SAFEMIG_BENCH_CPUS_SET=1 exec taskset -c "$cpus" bash "$0" "${args[@]}"
fi
# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
require_tools wrk h2load nginx curl sqlite3 python3
prepare_bench proxy proxy/metrics-proxy fake-upstream

cat >"$scratch/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-model","temperature":0.2,"messages":[{"role":"user","content":"Say hi"}]}'
LUA
printf '%s' '{"model":"bench-model","temperature":0.2,"messages":[{"role":"user","content":"Say hi"}]}' \
  >"$scratch/body.json"

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

# run_fixed_rate NAME PORT: h2load over 64 keep-alive HTTP/1.1 connections, each sending $rate
# requests/s, $duration s worth of requests in all. The connections start one per millisecond:
# h2load's --rps timers run from each connection's start, and 64 connections started together
# would send in bursts of 64 at once (64 requests queued at the same instant, not a steady
# rate). h2load's per-request log (start, status, microseconds to the end of the response) is
# kept as $results/NAME.log, its report as NAME.txt.
run_fixed_rate() {
  local name=$1 port=$2
  rm -f "$results/$name.log"
  local before
  before=$(cpu_ticks)
  h2load --h1 -c 64 --rps "$rate" -r 1 --rate-period 1ms -n $((64 * rate * duration)) \
    -d "$scratch/body.json" -H 'Content-Type: application/json' --log-file "$results/$name.log" \
    "http://127.0.0.1:$port/v1/chat/completions" >"$results/$name.txt"
  steal_percent "$before" "$(cpu_ticks)" >"$results/$name.steal"
}

# fixed_rate_field NAME FIELD: from NAME's h2load log, a latency percentile in ms ("50", "99"),
# the requests started per second ("rps") or the responses that were not 200 ("failed").
# Percentiles are nearest-rank over every logged request.
fixed_rate_field() {
  python3 - "$results/$1.log" "$2" <<'PY'
import math, sys
path, field = sys.argv[1], sys.argv[2]
rows = [line.split("\t") for line in open(path) if line.strip()]
micros = sorted(int(r[2]) for r in rows)
if field == "rps":
    starts = [int(r[0]) for r in rows]
    print("%.0f" % (len(rows) / max((max(starts) - min(starts)) / 1e6, 1e-3)))
elif field == "failed":
    print(sum(1 for r in rows if r[1] != "200"))
else:
    rank = max(1, math.ceil(float(field) / 100 * len(micros)))
    print("%.3f" % (micros[rank - 1] / 1e3))
PY
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
fake_pid=${service_pids[-1]}
upstream="http://127.0.0.1:$fake_port"
curl -sf -o /dev/null -H 'Content-Type: application/json' \
  -d '{"model":"m","messages":[{"role":"user","content":"x"}]}' "$upstream/v1/chat/completions"

# cpu_seconds PID...: user + system CPU time the processes (and their threads) have used.
cpu_seconds() {
  local pid ticks=0
  for pid in "$@"; do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  python3 -c "print($ticks / $(getconf CLK_TCK))"
}

# measure NAME PORT CONNECTIONS PID...: run_wrk, then the CPU microseconds the PIDs spent per
# completed request, kept as $results/NAME.cpu.
measure() {
  local name=$1 port=$2 connections=$3
  shift 3
  local before after
  before=$(cpu_seconds "$@")
  run_wrk "$name" "$port" "$connections"
  after=$(cpu_seconds "$@")
  python3 -c "print('%.1f' % (($after - $before) * 1e6 / $(wrk_field "$name" requests)))" \
    >"$results/$name.cpu"
}

# median_rps NAME...: the median of the NAMEs' requests/s.
median_rps() {
  local name values=()
  for name in "$@"; do values+=("$(wrk_field "$name" rps)"); done
  median "${values[@]}"
}

db=$scratch/metrics.db
start_proxy "$db" "$upstream"
start_nginx_proxy "$fake_port" 1

# Rounds alternate between the sides, so that drift in the machine's speed hits both alike.
for round in 1 2 3; do
  echo "round $round of 3 ..."
  measure direct_c64_$round "$fake_port" 64 "$fake_pid"
  # shellcheck disable=SC2086 # nginx_worker_pids is a list of PIDs.
  measure nginx1_c64_$round "$nginx_port" 64 $nginx_worker_pids
  measure proxy_c64_$round "$proxy_port" 64 "$proxy_pid"
done
for round in 1 2 3; do
  echo "fixed rate, round $round of 3: 64 connections x $rate requests/s ..."
  run_fixed_rate direct_rate_$round "$fake_port"
  run_fixed_rate nginx1_rate_$round "$nginx_port"
  run_fixed_rate proxy_rate_$round "$proxy_port"
  for name in direct_rate_$round nginx1_rate_$round proxy_rate_$round; do
    if [[ $(fixed_rate_field "$name" failed) != 0 ]]; then
      echo "$name: some responses were not 200:" >&2
      cat "$results/$name.txt" >&2
      exit 1
    fi
  done
done
run_wrk direct_c1 "$fake_port" 1
run_wrk proxy_c1 "$proxy_port" 1
overhead=$(proxy_overhead_summary)
start_nginx_proxy "$fake_port" 2
run_wrk nginx2_c64 "$nginx_port" 64
kill -TERM "$proxy_pid"
wait "$proxy_pid" || true
rows=$(sqlite3 "$db" 'SELECT count(*) FROM completion_requests')
proxy_requests=0
for name in proxy_c64_1 proxy_c64_2 proxy_c64_3 proxy_c1; do
  proxy_requests=$((proxy_requests + $(wrk_field $name requests)))
done
for round in 1 2 3; do
  proxy_requests=$((proxy_requests + $(grep -c . "$results/proxy_rate_$round.log")))
done

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
# times_nginx PROXY_ADDED NGINX_ADDED: the proxy's added latency as a multiple of nginx's ("n/a"
# when nginx added nothing measurable, which makes the ratio meaningless).
times_nginx() { python3 -c "print('%.2fx' % ($1 / $2) if $2 > 0 else 'n/a')"; }
# spread VALUE...: "MIN to MAX" of the ratios ("n/a" ones left out).
spread() {
  printf '%s\n' "$@" | grep -v n/a | tr -d x | sort -g |
    awk 'NR == 1 {min = $1} {max = $1} END {if (NR) print min "x to " max "x"; else print "n/a"}'
}
minus() { python3 -c "print('%+.3f' % ($1 - $2))"; }
{
  cores="$(nproc) cores"
  [[ $(nproc) == 1 ]] && cores="1 core"
  echo "# metrics-proxy overhead ($(date -u +%Y-%m-%dT%H:%M:%SZ), $cores${cpus:+ (CPUs $cpus)}, ${duration} s per run)"
  proxy_binary_summary
  echo
  echo "| load | direct p50 / p99 ms | proxy p50 / p99 ms | added p50 / p99 ms | added p99, proxy / nginx | goal |"
  echo "|---|---|---|---|---|---|"
  added_p50=() added_p99=() nginx_p50=() nginx_p99=() p99_ratios=()
  for round in 1 2 3; do
    d50=$(fixed_rate_field direct_rate_$round 50) d99=$(fixed_rate_field direct_rate_$round 99)
    p50=$(fixed_rate_field proxy_rate_$round 50) p99=$(fixed_rate_field proxy_rate_$round 99)
    n50=$(fixed_rate_field nginx1_rate_$round 50) n99=$(fixed_rate_field nginx1_rate_$round 99)
    added_p50+=("$(minus "$p50" "$d50")") added_p99+=("$(minus "$p99" "$d99")")
    nginx_p50+=("$(minus "$n50" "$d50")") nginx_p99+=("$(minus "$n99" "$d99")")
    p99_ratios+=("$(times_nginx "${added_p99[-1]}" "${nginx_p99[-1]}")")
    echo "| 64 connections x $rate/s ($(fixed_rate_field proxy_rate_$round rps) requests/s), round $round | $d50 / $d99 | $p50 / $p99 | ${added_p50[-1]} / ${added_p99[-1]} (nginx ${nginx_p50[-1]} / ${nginx_p99[-1]}; steal: direct $(cat "$results/direct_rate_$round.steal")%, nginx $(cat "$results/nginx1_rate_$round.steal")%, proxy $(cat "$results/proxy_rate_$round.steal")%) | ${p99_ratios[-1]} | |"
  done
  echo "| 64 connections x $rate/s, median of the rounds | | | $(median "${added_p50[@]}") / $(median "${added_p99[@]}") (nginx $(median "${nginx_p50[@]}") / $(median "${nginx_p99[@]}")) | $(times_nginx "$(median "${added_p99[@]}")" "$(median "${nginx_p99[@]}")") (rounds $(spread "${p99_ratios[@]}")) | p50 <= 0.3; p99 no worse than nginx's (<= 1.00x) |"
  d50=$(wrk_field direct_c1 50) d99=$(wrk_field direct_c1 99)
  p50=$(wrk_field proxy_c1 50) p99=$(wrk_field proxy_c1 99)
  echo "| 1 connection, back to back | $d50 / $d99 | $p50 / $p99 | $(minus "$p50" "$d50") / $(minus "$p99" "$d99") | | p50 <= 0.3, p99 <= 1 |"
  d50=$(wrk_field direct_c64_2 50) d99=$(wrk_field direct_c64_2 99)
  p50=$(wrk_field proxy_c64_2 50) p99=$(wrk_field proxy_c64_2 99)
  echo "| 64 connections, closed loop at saturation (queueing) | $d50 / $d99 | $p50 / $p99 | $(minus "$p50" "$d50") / $(minus "$p99" "$d99") | | |"
  echo
  echo "steal: CPU time the hypervisor took during each fixed-rate run (/proc/stat; 0 on bare metal)."
  read -r mean o50 o99 <<<"$overhead"
  echo
  echo "The proxy's own llm_proxy_overhead_seconds over all its requests: mean $mean ms, p50 $o50 ms, p99 $o99 ms."
  echo
  echo "| 64 connections | requests/s, median of 3 (runs) | server CPU us per request (runs) | vs nginx, 1 worker |"
  echo "|---|---|---|---|"
  nginx1=$(median_rps nginx1_c64_1 nginx1_c64_2 nginx1_c64_3)
  for side in direct nginx1 proxy; do
    rps=$(median_rps ${side}_c64_1 ${side}_c64_2 ${side}_c64_3)
    runs=$(for r in 1 2 3; do printf '%s ' "$(wrk_field ${side}_c64_$r rps)"; done)
    cpu=$(for r in 1 2 3; do printf '%s ' "$(cat "$results/${side}_c64_$r.cpu")"; done)
    echo "| $side | $rps ($runs) | $cpu | $(ratio "$rps" "$nginx1")x |"
  done
  echo "| nginx, 2 workers | $(wrk_field nginx2_c64 rps) | | $(ratio "$(wrk_field nginx2_c64 rps)" "$nginx1")x |"
  echo
  echo "rows recorded: $rows for $proxy_requests requests wrk saw completed through the proxy;" \
    "the proxy also records the requests cut off when wrk stops (up to 64 per run)."
} | tee "$results/summary.md"
echo "results: $results"
