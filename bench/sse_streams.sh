#!/usr/bin/env bash
# Many concurrent SSE streams through metrics-proxy: the goal is 5,000 streams open at once on a
# 2-core machine with a time to first token (TTFT) within 1 ms of going to the upstream
# directly, and the proxy's memory per open stream.
#
#   1. direct: bench_sse_streams opens N streaming chat completions against the fake upstream and
#      samples the fake upstream's VmRSS (its own share per stream).
#   2. nginx: the same through Debian's nginx (one worker, proxy_pass with proxy_buffering off),
#      the reference for what any reverse proxy adds on this machine; VmRSS of its worker.
#   3. proxy: the same through metrics-proxy (fresh database), sampling the proxy's VmRSS before
#      the first connection and when every stream has its first token and none has finished.
#   Then the proxy is stopped with SIGTERM (it flushes its recorder) and its rows are counted:
#   one per stream is expected.
#   The three runs make a round; ROUNDS rounds alternate them, so that each round's sides face
#   the same machine (this host slows down as a whole now and then, without reporting steal),
#   and the summary gives each round and the medians of the added TTFTs. nginx and the proxy
#   start afresh in each round; the fake upstream runs throughout, so the direct runs after the
#   first find its memory already grown and their KiB per stream understates.
#
#   bench/sse_streams.sh [--streams N] [--rate CONNECTIONS_PER_S] [--tokens N]
#                        [--token-delay-ms D] [--rounds R]   (defaults 5000, 500, 8, 2000, 3)
#
# Connections open at RATE per second; each stream then lasts (tokens - 1) * delay (14 s by
# default), longer than the ramp (10 s), so all N are open at once; the script refuses settings
# where they would not be. The defaults keep the token events at N / delay per second (2,500/s):
# at 20 tokens 500 ms apart (10,000 events/s) and 2,000 connections/s, the driver, the fake
# upstream and the proxy together need more than the two cores, and TTFT then measures the CPU
# queue (seconds, directly as well as through the proxy) rather than the proxy's latency.
# Each run also reports the CPU time (user + system) the measured process used, per stream.
#
# Needs sqlite3, jq, nginx (nginx-light), curl and python3. Environment: SAFEMIG_BENCH_BUILD_DIR
# (default build/release; the targets are brought up to date there first),
# SAFEMIG_BENCH_RESULTS (where direct/nginx/proxy .json, .csv and summary.md go; default a new
# /tmp directory), SAFEMIG_BENCH_TMP (database dir, default /tmp).
# The driver, the fake upstream (2 threads) and the proxy (1 I/O thread; nginx: one worker)
# share the machine's cores; TTFT includes their scheduling, so other load on the machine shows
# in it (the summary gives the load average).
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
streams=5000
rate=500
tokens=8
token_delay_ms=2000
rounds=3
usage="usage: bench/sse_streams.sh [--streams N] [--rate CONNECTIONS_PER_S] [--tokens N]"
usage+=" [--token-delay-ms D] [--rounds R]"
while [[ $# -gt 0 ]]; do
  case $1 in
    --streams) streams=${2:?--streams needs a number}; shift 2 ;;
    --rate) rate=${2:?--rate needs a number}; shift 2 ;;
    --tokens) tokens=${2:?--tokens needs a number}; shift 2 ;;
    --token-delay-ms) token_delay_ms=${2:?--token-delay-ms needs milliseconds}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/sse_streams.sh: --rounds takes a whole number above 0" >&2
  exit 2
fi
# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
require_tools sqlite3 jq nginx curl python3
prepare_bench sse proxy/metrics-proxy fake-upstream bench/bench_sse_streams
driver=$build_dir/bench/bench_sse_streams

# Each stream costs one descriptor in the driver and the upstream, two in the proxy; the
# services and the driver raise their soft limit to the hard one, which must cover that.
if (($(ulimit -Hn) < 2 * streams + 100)); then
  echo "ulimit -Hn is $(ulimit -Hn): too low for $streams streams through the proxy" >&2
  exit 1
fi

if ((rate > 0 && streams * 1000 / rate >= (tokens - 1) * token_delay_ms)); then
  echo "streams last $(((tokens - 1) * token_delay_ms)) ms, shorter than the ramp of" \
    "$((streams * 1000 / rate)) ms: raise --tokens or --token-delay-ms" >&2
  exit 2
fi

start_fake_upstream --tokens "$tokens" --token-delay-ms "$token_delay_ms" --threads 2
fake_pid=${service_pids[-1]}
upstream="http://127.0.0.1:$fake_port"

# cpu_ms PID: user + system CPU time PID has used so far, in milliseconds.
cpu_ms() {
  awk -v tck="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / tck)}' "/proc/$1/stat"
}

# run_driver NAME PORT RSS_PID: one run, results in $results/NAME.json and NAME.txt, the CPU
# time RSS_PID used during it in ${NAME}_cpu_ms and the share of the machine's CPU time stolen by
# the hypervisor in ${NAME}_steal. A run with failed streams still yields its
# results; the failures are reported in the table.
failed_runs=0
run_driver() {
  local name=$1 port=$2 pid=$3 status=0 cpu_before ticks_before
  echo "== $name: $streams streams at $rate/s to port $port" >&2
  cpu_before=$(cpu_ms "$pid")
  ticks_before=$(cpu_ticks)
  "$driver" --port "$port" --streams "$streams" --rate "$rate" --rss-pid "$pid" \
    --json "$results/$name.json" --csv "$results/$name.csv" | tee "$results/$name.txt" >&2 || status=$?
  printf -v "${name}_cpu_ms" '%s' $(($(cpu_ms "$pid") - cpu_before))
  printf -v "${name}_steal" '%s' "$(steal_percent "$ticks_before" "$(cpu_ticks)")"
  if ((status != 0)); then
    failed_runs=$((failed_runs + 1))
    if [[ ! -s $results/$name.json ]]; then
      echo "$name: the driver failed (status $status) without results" >&2
      exit 1
    fi
  fi
}

failed_rows=0
proxy_warnings=0
for ((round = 1; round <= rounds; ++round)); do
  echo "== round $round of $rounds" >&2
  run_driver direct_$round "$fake_port" "$fake_pid"
  sleep 1

  start_nginx_proxy "$fake_port" 1
  nginx_master=${service_pids[-1]}
  run_driver nginx_$round "$nginx_port" "$nginx_worker_pids"
  kill -TERM "$nginx_master"
  wait "$nginx_master" || true
  sleep 1

  db=$scratch/metrics-$round.db
  start_proxy "$db" "$upstream"
  run_driver proxy_$round "$proxy_port" "$proxy_pid"
  kill -TERM "$proxy_pid"
  status=0
  wait "$proxy_pid" || status=$?
  rows=$(sqlite3 "$db" 'SELECT count(*) FROM completion_requests')
  printf -v "proxy_${round}_rows" '%s' "$rows"
  printf -v "proxy_${round}_status" '%s' "$status"
  if ((rows != streams || status != 0)); then failed_rows=$((failed_rows + 1)); fi
  warnings=$(grep -c -E ' (warning|error|critical) ' "$service_logs/metrics-proxy.err" || true)
  if ((warnings > 0)); then
    echo "round $round, first warnings of the proxy:" >&2
    grep -m 5 -E ' (warning|error|critical) ' "$service_logs/metrics-proxy.err" >&2 || true
  fi
  proxy_warnings=$((proxy_warnings + warnings))
  sleep 1
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

field() { jq -r ".$2" "$results/$1.json"; }
minus() { jq -rn "$1 - $2 | . * 1000 | round / 1000"; }
# added SIDE ROUND PERCENTILE: SIDE's TTFT percentile minus the direct run's, same round.
added() { minus "$(field "$1_$2" "ttft_$3_ms")" "$(field "direct_$2" "ttft_$3_ms")"; }
# times_nginx PROXY_ADDED NGINX_ADDED: the proxy's added TTFT as a multiple of nginx's ("n/a"
# when nginx added nothing measurable, which makes the ratio meaningless).
times_nginx() { jq -rn "if $2 > 0 then $1 / $2 | . * 100 | round / 100 | tostring + \"x\" else \"n/a\" end"; }
{
  echo "# $streams concurrent SSE streams ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores," \
    "$rate connections/s, $tokens tokens ${token_delay_ms} ms apart, $rounds rounds," \
    "load average $load)"
  proxy_binary_summary
  echo
  echo "| run | ok / failed | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms | TTFT max ms | open at RSS sample | RSS before / all open / peak KiB | KiB per open stream | CPU ms per stream | steal |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for ((round = 1; round <= rounds; ++round)); do
    for side in direct nginx proxy; do
      run=${side}_$round
      cpu=${run}_cpu_ms steal=${run}_steal
      echo "| $side, round $round | $(field $run ok) / $(field $run failed) |" \
        "$(field $run ttft_p50_ms) | $(field $run ttft_p90_ms) | $(field $run ttft_p99_ms) |" \
        "$(field $run ttft_max_ms) |" \
        "$(field $run open_at_rss_sample) ($(field $run completed_before_rss_sample) done) |" \
        "$(field $run rss_before_kib) / $(field $run rss_all_open_kib) / $(field $run rss_peak_kib) |" \
        "$(field $run per_stream_kib) |" \
        "$(jq -rn "${!cpu} / $streams | . * 1000 | round / 1000") | ${!steal}% |"
    done
  done
  echo
  echo "(direct: RSS and CPU of the fake upstream; nginx: of its worker; proxy: of metrics-proxy;" \
    "CPU over the whole run; steal: the share of the machine's CPU time the hypervisor took" \
    "during the run, /proc/stat)"
  echo
  echo "| TTFT added vs direct, same round | p50 ms | p90 ms | p99 ms |"
  echo "|---|---|---|---|"
  for side in proxy nginx; do
    p50s=() p90s=() p99s=()
    for ((round = 1; round <= rounds; ++round)); do
      p50s+=("$(added $side $round p50)") p90s+=("$(added $side $round p90)")
      p99s+=("$(added $side $round p99)")
      echo "| $side, round $round | ${p50s[-1]} | ${p90s[-1]} | ${p99s[-1]} |"
    done
    goal=
    if [[ $side == proxy ]]; then goal=" (goal <= 1 ms)"; fi
    echo "| **$side, median of the rounds**$goal | $(median "${p50s[@]}") |" \
      "$(median "${p90s[@]}") | $(median "${p99s[@]}") |"
    printf -v "${side}_p99_median" '%s' "$(median "${p99s[@]}")"
  done
  echo
  echo "| TTFT p99 added, proxy / nginx (goal <= 1.00x: no worse than nginx's) | ratio |"
  echo "|---|---|"
  ratios=()
  for ((round = 1; round <= rounds; ++round)); do
    ratios+=("$(times_nginx "$(added proxy $round p99)" "$(added nginx $round p99)")")
    echo "| round $round | ${ratios[-1]} |"
  done
  echo "| **medians of the rounds** (rounds: $(printf '%s\n' "${ratios[@]}" | grep -v n/a |
    tr -d x | sort -g | awk 'NR == 1 {min = $1} {max = $1}
      END {if (NR) print min "x to " max "x"; else print "n/a"}')) |" \
    "$(times_nginx "$proxy_p99_median" "$nginx_p99_median") |"
  echo
  echo "proxy memory per open stream: $(field proxy_1 per_stream_kib) KiB (round 1)"
  for ((round = 1; round <= rounds; ++round)); do
    for side in direct nginx proxy; do
      run=${side}_$round
      if [[ $(field $run completed_before_rss_sample) != 0 ]]; then
        echo "$run: $(field $run completed_before_rss_sample) streams had completed before the" \
          "last first token, so not all were open at once and KiB per open stream is overstated" \
          "(the memory of finished streams stays resident)"
      fi
      if [[ $(field $run failed) != 0 ]]; then
        echo "$run failures: $(jq -c .failures "$results/$run.json")"
      fi
    done
    rows_var=proxy_${round}_rows status_var=proxy_${round}_status
    echo "round $round: rows recorded by the proxy: ${!rows_var} for $streams streams (exit" \
      "status ${!status_var} after SIGTERM)"
  done
  echo "warning/error lines in the proxy's logs: $proxy_warnings"
} | tee "$results/summary.md"
echo "results: $results"
if ((failed_runs > 0 || failed_rows > 0)); then exit 1; fi
