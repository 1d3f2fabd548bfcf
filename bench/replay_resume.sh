#!/usr/bin/env bash
# Replay of a large spill journal across kill -9s (goal: every restart continues where the last
# one stopped; nothing is written twice).
#
# A proxy spills one real record (the database locked by `sqlite3`), and that line, copied with
# fresh request ids, becomes a journal of SAFEMIG_BENCH_REPLAY_ROWS rows left beside a fresh
# database. metrics-proxy is then started on it SAFEMIG_BENCH_REPLAY_KILLS times and SIGKILLed
# SAFEMIG_BENCH_REPLAY_SECONDS after it serves; the rows in completion_requests are counted after
# each kill. A last start replays the rest and stops on SIGTERM; the table must then hold every
# row of the journal exactly once. summary.md goes to the results directory.
#
#   bench/replay_resume.sh
#
# Needs sqlite3, curl and python3. Environment: SAFEMIG_BENCH_BUILD_DIR (default build/release),
# SAFEMIG_BENCH_RESULTS, SAFEMIG_BENCH_TMP, SAFEMIG_BENCH_REPLAY_PROXY (a metrics-proxy binary to
# measure instead of the build's), SAFEMIG_BENCH_REPLAY_ROWS (default 200000),
# SAFEMIG_BENCH_REPLAY_KILLS (default 5), SAFEMIG_BENCH_REPLAY_SECONDS (default 0.8).
# Exits 1 when the table does not hold the journal's rows exactly once.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
if [[ $# -gt 0 ]]; then
  echo "usage: bench/replay_resume.sh   (settings come from the environment; see the header)" >&2
  exit 2
fi
rows=${SAFEMIG_BENCH_REPLAY_ROWS:-200000}
kills=${SAFEMIG_BENCH_REPLAY_KILLS:-5}
seconds=${SAFEMIG_BENCH_REPLAY_SECONDS:-0.8}
# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
require_tools sqlite3 curl python3
prepare_bench replay proxy/metrics-proxy fake-upstream
proxy_binary=${SAFEMIG_BENCH_REPLAY_PROXY:-$build_dir/proxy/metrics-proxy}
start_fake_upstream --threads 1
db=$scratch/replay.db
journal=$db.recorder-spill

# run_proxy N: metrics-proxy on $db in the background (pid in $pid), once it serves.
run_proxy() {
  "$proxy_binary" --db "$db" --listen 127.0.0.1:0 --upstream "http://127.0.0.1:$fake_port" \
    >"$scratch/proxy-$1.out" 2>"$scratch/proxy-$1.err" &
  pid=$!
  local _
  for _ in $(seq 1 600); do
    if grep -q '^listening on' "$scratch/proxy-$1.out"; then return 0; fi
    sleep 0.05
  done
  echo "metrics-proxy did not start: $(cat "$scratch/proxy-$1.err")" >&2
  exit 1
}
count_rows() { sqlite3 "$db" 'SELECT count(*) FROM completion_requests'; }

# One real journal line: a request answered while the database is locked.
run_proxy template
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$scratch/proxy-template.out")
# The CLI holds BEGIN EXCLUSIVE for 3 s, long enough for one request to be spilled.
{
  echo '.timeout 10000'
  echo 'BEGIN EXCLUSIVE;'
  sleep 3
  echo 'ROLLBACK;'
} | sqlite3 -bail "$db" &
holder_pid=$!
sleep 0.3
curl -s -o /dev/null -H 'Content-Type: application/json' \
  -d '{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}' \
  "http://127.0.0.1:$port/v1/chat/completions"
for _ in $(seq 1 200); do
  if [[ -s $journal || -s $journal.replaying ]]; then break; fi
  sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
wait "$holder_pid"
template=$(cat "$journal" "$journal.replaying" 2>/dev/null | head -1 || true)
rm -f "$journal" "$journal.replaying" "$journal.replaying.progress"
TEMPLATE=$template python3 - "$journal" "$rows" <<'PY'
import json, os, sys
record = json.loads(os.environ["TEMPLATE"])
with open(sys.argv[1], "w") as out:
    for i in range(int(sys.argv[2])):
        record["request_id"] = f"replay-{i}"
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
PY

{
  echo "metrics-proxy: $proxy_binary; journal of $rows rows; SIGKILL ${seconds} s after serving"
  echo
  echo "| start | rows in the table after it |"
  echo "|---|---|"
} >"$results/summary.md"
for k in $(seq 1 "$kills"); do
  run_proxy "$k"
  sleep "$seconds"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  echo "| $k (killed) | $(count_rows) |" >>"$results/summary.md"
done
run_proxy last
start=$(date +%s.%N)
for _ in $(seq 1 6000); do
  if [[ ! -e $journal && ! -e $journal.replaying ]]; then break; fi
  sleep 0.1
done
kill -TERM "$pid"
wait "$pid" || true
end=$(date +%s.%N)
total=$(count_rows)
distinct=$(sqlite3 "$db" 'SELECT count(DISTINCT request_id) FROM completion_requests')
echo "| last (SIGTERM after the journal was gone, $(python3 -c "print(round($end - $start, 1))") s) | $total ($distinct distinct) |" \
  >>"$results/summary.md"
cat "$results/summary.md"
echo "results: $results" >&2
[[ $total == "$rows" && $distinct == "$rows" ]]
