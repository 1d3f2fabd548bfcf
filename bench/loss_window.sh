#!/usr/bin/env bash
# The loss window of metrics-proxy under kill -9 (goal: no request answered more than 100 ms
# before a kill is lost, whatever the database's state).
#
# bench/loss_window.py sends small chat completions through metrics-proxy at ~100 requests/s (8
# keep-alive connections, the fake upstream answers at once) and kills the proxy with SIGKILL
# every SAFEMIG_BENCH_LOSS_CYCLE seconds, SAFEMIG_BENCH_LOSS_KILLS times, starting it again on
# the same database each time, in two runs, each on a fresh database:
#   free     nothing else touches the database;
#   locked   0.5 s after each start `sqlite3` takes BEGIN EXCLUSIVE on the database and holds it
#            until the kill, so the recorder can never commit: every record must reach the
#            spill journal.
# Then the proxy is started once more without the lock, replays its journal and stops on SIGTERM.
# Each answered request whose row is not in completion_requests is lost; reported per run: the
# requests answered, the number lost, and how long before the next kill the lost ones were
# answered (max and p50, ms). summary.md, one JSON file per run (with each lost request) and the
# proxies' logs go to the results directory.
#
#   bench/loss_window.sh
#
# Needs sqlite3 and python3. Environment: SAFEMIG_BENCH_BUILD_DIR (default build/release;
# metrics-proxy and fake-upstream are brought up to date there first), SAFEMIG_BENCH_RESULTS
# (default a new /tmp directory), SAFEMIG_BENCH_TMP (database directory),
# SAFEMIG_BENCH_LOSS_PROXY (a metrics-proxy binary to measure instead of the build's, e.g. an
# older build to compare with), SAFEMIG_BENCH_LOSS_KILLS (default 8), SAFEMIG_BENCH_LOSS_CYCLE (seconds between starts and
# kills, default 3), SAFEMIG_BENCH_LOSS_RATE (requests/s, default 100). About a minute.
# Exits 1 when a request answered more than 100 ms before a kill was lost.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
if [[ $# -gt 0 ]]; then
  echo "usage: bench/loss_window.sh   (settings come from the environment; see the header)" >&2
  exit 2
fi
kills=${SAFEMIG_BENCH_LOSS_KILLS:-8}
cycle=${SAFEMIG_BENCH_LOSS_CYCLE:-3}
rate=${SAFEMIG_BENCH_LOSS_RATE:-100}
# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
require_tools sqlite3 python3
prepare_bench loss proxy/metrics-proxy fake-upstream
start_fake_upstream --threads 1
proxy_binary=${SAFEMIG_BENCH_LOSS_PROXY:-$build_dir/proxy/metrics-proxy}
echo "metrics-proxy: $proxy_binary" | tee "$results/binary.txt" >&2

status=0
for run in free locked; do
  lock=()
  if [[ $run == locked ]]; then lock=(--lock); fi
  python3 "$root/bench/loss_window.py" --proxy "$proxy_binary" \
    --upstream "http://127.0.0.1:$fake_port" --dir "$scratch" --label "$run" "${lock[@]}" \
    --kills "$kills" --rate "$rate" --cycle "$cycle" --out "$results/$run.json" \
    --logs "$results/$run-logs" || status=1
done

python3 - "$results" <<'PY' | tee "$results/summary.md"
import json, sys
print("| database | kills | answered | lost | lost answered before kill: max / p50 (ms) |"
      " lost > 100 ms before kill |")
print("| --- | --- | --- | --- | --- | --- |")
for run in ("free", "locked"):
    r = json.load(open(f"{sys.argv[1]}/{run}.json"))
    print(f"| {run} | {r['kills']} | {r['answered']} | {r['lost']} |"
          f" {r['lost_before_kill_ms_max']} / {r['lost_before_kill_ms_p50']} |"
          f" {r['lost_more_than_100ms_before_kill']} |")
PY
echo "results: $results" >&2
exit "$status"
