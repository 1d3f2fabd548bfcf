#!/usr/bin/env bash
# What a stalled database does to requests through metrics-proxy (goal: nothing), end to end.
#
# wrk drives small non-streaming chat completions (one thread, 64 keep-alive connections, the
# fake upstream answers at once) through metrics-proxy twice, each time with a fresh database and
# a fresh proxy:
#   baseline   nothing else touches the database;
#   stall      STALL_DELAY s into the run, `sqlite3` takes BEGIN EXCLUSIVE on the database and
#              holds it for STALL_SECONDS s before committing, so the recorder cannot write (with
#              the recorder's lock wait of 25 ms it spills to its journal at once and replays).
# Reported per run: wrk's latency p50/p99/max and requests completed, non-2xx responses and
# socket errors; the recorder's counters from /metrics (rows submitted, written, replayed,
# spilled, dropped, write errors) and its queue depth over time (sampled every 0.25 s, which also
# gives the request rate before, during and after the stall); then, after SIGTERM has stopped the
# proxy (it flushes its recorder), the rows in completion_requests against the requests: every
# request the proxy forwarded must be a row. wrk counts only responses completed within its run,
# so the table may hold up to 64 rows more than wrk's count (the requests cut off at the end);
# the proxy's own llm_proxy_forwarded_total must match the table exactly.
#
#   bench/recorder_stall.sh
#
# Needs wrk, curl, sqlite3 and python3. Environment: SAFEMIG_BENCH_BUILD_DIR (default
# build/release; metrics-proxy and fake-upstream are brought up to date there first),
# SAFEMIG_BENCH_RESULTS (wrk outputs, metric samples, summary.md and summary.json; default a new
# /tmp directory), SAFEMIG_BENCH_TMP (database directory), SAFEMIG_BENCH_STALL_DURATION (wrk
# seconds per run, default 10), SAFEMIG_BENCH_STALL_DELAY (default 2), SAFEMIG_BENCH_STALL_SECONDS
# (default 5). Exits 1 when a row is missing or a response was not 2xx.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
if [[ $# -gt 0 ]]; then
  echo "usage: bench/recorder_stall.sh   (settings come from the environment; see the header)" >&2
  exit 2
fi
duration=${SAFEMIG_BENCH_STALL_DURATION:-10}
stall_delay=${SAFEMIG_BENCH_STALL_DELAY:-2}
stall_seconds=${SAFEMIG_BENCH_STALL_SECONDS:-5}
connections=64
# shellcheck source=bench/services.sh
source "$root/bench/services.sh"
require_tools wrk curl sqlite3 python3
prepare_bench stall proxy/metrics-proxy fake-upstream
sampler_pid=
# shellcheck disable=SC2317  # Invoked by the EXIT trap.
cleanup() {
  if [[ -n $sampler_pid ]]; then kill "$sampler_pid" 2>/dev/null || true; fi
  stop_services
}
trap cleanup EXIT

cat >"$scratch/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-model","temperature":0.2,"messages":[{"role":"user","content":"Say hi"}]}'
LUA

now() { date +%s.%N; }

# The recorder's counters as one line: "EPOCH submitted written replayed spilled dropped invalid
# duplicate write_errors queue_depth available forwarded in_flight", from the proxy's /metrics.
recorder_sample() {
  local t
  t=$(now)
  curl -s --max-time 2 "http://127.0.0.1:$proxy_port/metrics" | awk -v t="$t" '
    $1 == "llm_proxy_recorder_rows_submitted_total" { v["s"] = $2 }
    $1 == "llm_proxy_recorder_rows_written_total" { v["w"] = $2 }
    $1 == "llm_proxy_recorder_rows_replayed_total" { v["r"] = $2 }
    $1 == "llm_proxy_recorder_rows_spilled_total" { v["sp"] = $2 }
    $1 == "llm_proxy_recorder_rows_dropped_total" { v["d"] = $2 }
    $1 == "llm_proxy_recorder_rows_invalid_total" { v["i"] = $2 }
    $1 == "llm_proxy_recorder_rows_duplicate_total" { v["dup"] = $2 }
    $1 == "llm_proxy_recorder_write_errors_total" { v["e"] = $2 }
    $1 == "llm_proxy_recorder_queue_depth" { v["q"] = $2 }
    $1 == "llm_proxy_recorder_database_available" { v["a"] = $2 }
    $1 == "llm_proxy_in_flight_requests" { v["f"] = $2 }
    $1 ~ /^llm_proxy_forwarded_total\{/ { forwarded += $2 }
    END {
      if (!("s" in v)) exit 1
      printf "%s %d %d %d %d %d %d %d %d %d %d %d %d\n", t, v["s"], v["w"], v["r"], v["sp"],
             v["d"], v["i"], v["dup"], v["e"], v["q"], v["a"], forwarded, v["f"]
    }'
}

# run NAME STALL: one wrk run against a fresh proxy and database; STALL is 1 to stall the
# database in the middle. Leaves NAME.wrk.txt, NAME.timeline, NAME.final, NAME.facts in $results.
run() {
  local name=$1 stall=$2
  local db=$scratch/$name.db
  start_proxy "$db" "$upstream"
  local url="http://127.0.0.1:$proxy_port/v1/chat/completions"
  : >"$results/$name.timeline"
  (while true; do
    recorder_sample >>"$results/$name.timeline" || true
    sleep 0.25
  done) &
  sampler_pid=$!

  local stall_pid=
  local wrk_start
  wrk_start=$(now)
  if [[ $stall == 1 ]]; then
    # The CLI's busy timeout lets BEGIN EXCLUSIVE wait for a recorder commit under way; the
    # SELECTs stamp when the lock was taken and released (epoch seconds).
    (
      sleep "$stall_delay"
      {
        echo '.timeout 10000'
        echo 'BEGIN EXCLUSIVE;'
        echo "SELECT 'held', (julianday('now') - 2440587.5) * 86400.0;"
        sleep "$stall_seconds"
        echo 'COMMIT;'
        echo "SELECT 'released', (julianday('now') - 2440587.5) * 86400.0;"
      } | sqlite3 -bail "$db"
    ) >"$results/$name.stall.out" 2>"$results/$name.stall.err" &
    stall_pid=$!
  fi
  wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$scratch/post.lua" "$url" \
    >"$results/$name.wrk.txt"
  local wrk_end
  wrk_end=$(now)
  if [[ -n $stall_pid ]]; then
    if ! wait "$stall_pid" || [[ -s $results/$name.stall.err ]] ||
      ! grep -q '^released|' "$results/$name.stall.out"; then
      echo "$name: the stall did not run as planned:" >&2
      cat "$results/$name.stall.out" "$results/$name.stall.err" >&2
      exit 1
    fi
  fi

  # Wait (up to 60 s) until no request is in flight and the recorder has settled every record it
  # kept (written, replayed or counted as lost) with its queue empty.
  local sample settled=0 _
  for _ in $(seq 1 600); do
    sample=$(recorder_sample) || true
    if [[ -n $sample ]] &&
      awk '{ exit !($13 == 0 && $10 == 0 && $2 == $3 + $4 + $6 + $7 + $8) }' <<<"$sample"; then
      settled=1
      break
    fi
    sleep 0.1
  done
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
  echo "$sample" >"$results/$name.final"

  # SIGTERM: the proxy finishes in-flight requests, flushes its recorder and exits.
  local stop_start stop_status=0
  stop_start=$(now)
  kill -TERM "$proxy_pid"
  wait "$proxy_pid" || stop_status=$?
  local stop_end
  stop_end=$(now)
  local kept=() pid
  for pid in "${service_pids[@]}"; do [[ $pid == "$proxy_pid" ]] || kept+=("$pid"); done
  service_pids=("${kept[@]}")

  local journal_bytes=0
  for f in "$db.recorder-spill" "$db.recorder-spill.replaying"; do
    if [[ -f $f ]]; then journal_bytes=$((journal_bytes + $(stat -c %s "$f"))); fi
  done
  {
    echo "wrk_start=$wrk_start"
    echo "wrk_end=$wrk_end"
    echo "settled=$settled"
    echo "proxy_exit=$stop_status"
    echo "stop_seconds=$(python3 -c "print($stop_end - $stop_start)")"
    echo "table_rows=$(sqlite3 "$db" 'SELECT count(*) FROM completion_requests')"
    echo "renamed_rows=$(sqlite3 "$db" "SELECT count(*) FROM completion_requests WHERE instr(request_id, '~') > 0")"
    echo "rollup_requests=$(sqlite3 "$db" 'SELECT coalesce(sum(requests), 0) FROM completion_rollups_day')"
    echo "journal_bytes_left=$journal_bytes"
  } >"$results/$name.facts"
  cp "$service_logs/metrics-proxy.err" "$results/$name.proxy.log"
}

start_fake_upstream --threads 1
upstream="http://127.0.0.1:$fake_port"
curl -sf -o /dev/null -H 'Content-Type: application/json' \
  -d '{"model":"m","messages":[{"role":"user","content":"x"}]}' "$upstream/v1/chat/completions"

echo "baseline: wrk -c$connections for ${duration} s through metrics-proxy ..." >&2
run baseline 0
echo "stall: the same, database locked from ${stall_delay} s for ${stall_seconds} s ..." >&2
run stall 1

status=0
python3 - "$results" "$duration" "$stall_delay" "$stall_seconds" "$connections" <<'PY' || status=$?
import json, re, sys
results, duration, delay, hold, connections = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5])

def wrk(name):
    text = open(f"{results}/{name}.wrk.txt").read()
    def ms(value, unit):
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    out = {"requests": int(re.search(r"(\d+) requests in", text).group(1)),
           "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    for p in ("50", "75", "90", "99"):
        v, u = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M).groups()
        out[f"p{p}_ms"] = ms(v, u)
    v, u = re.search(r"^[ \t]+Latency[ \t]+\S+[ \t]+\S+[ \t]+([\d.]+)(us|ms|s)", text, re.M).groups()
    out["max_ms"] = ms(v, u)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return out

FIELDS = ("t", "submitted", "written", "replayed", "spilled", "dropped", "invalid", "duplicate",
          "write_errors", "queue_depth", "available", "forwarded", "in_flight")

def samples(path):
    rows = []
    for line in open(path):
        parts = line.split()
        if len(parts) == len(FIELDS):
            rows.append(dict(zip(FIELDS, map(float, parts))))
    return rows

def rate(timeline, start, end):
    """Requests recorded per second between two instants, from rows_submitted samples."""
    inside = [s for s in timeline if start <= s["t"] <= end]
    if len(inside) < 2 or inside[-1]["t"] <= inside[0]["t"]:
        return None
    return (inside[-1]["submitted"] - inside[0]["submitted"]) / (inside[-1]["t"] - inside[0]["t"])

report = {"connections": connections, "duration_s": duration, "stall_delay_s": delay,
          "stall_hold_s": hold, "runs": {}}
ok = True
for name in ("baseline", "stall"):
    facts = dict(line.strip().split("=", 1) for line in open(f"{results}/{name}.facts"))
    timeline = samples(f"{results}/{name}.timeline")
    final = dict(zip(FIELDS, map(float, open(f"{results}/{name}.final").read().split())))
    w = wrk(name)
    start, end = float(facts["wrk_start"]), float(facts["wrk_end"])
    run = {"wrk": w, "recorder": {k: int(final[k]) for k in FIELDS[1:]},
           "max_queue_depth": int(max((s["queue_depth"] for s in timeline), default=0)),
           "seconds_database_unavailable": sum(b["t"] - a["t"] for a, b in zip(timeline, timeline[1:])
                                               if a["available"] == 0),
           "table_rows": int(facts["table_rows"]), "renamed_rows": int(facts["renamed_rows"]),
           "rollup_requests": int(facts["rollup_requests"]),
           "journal_bytes_left": int(facts["journal_bytes_left"]),
           "proxy_exit": int(facts["proxy_exit"]), "settled_before_stop": facts["settled"] == "1",
           "stop_seconds": float(facts["stop_seconds"])}
    windows = {"whole run": (start, end)}
    if name == "stall":
        stamps = dict(re.findall(r"^(held|released)\|([\d.]+)$",
                                 open(f"{results}/stall.stall.out").read(), re.M))
        held, released = float(stamps["held"]), float(stamps["released"])
        run["stall_window_s"] = [held - start, released - start]
        windows.update({"before": (start, held), "stalled": (held, released),
                        "after": (released, end)})
    run["recorded_per_second"] = {k: rate(timeline, *v) for k, v in windows.items()}
    run["rows_minus_wrk_requests"] = run["table_rows"] - w["requests"]
    run["rows_minus_forwarded"] = run["table_rows"] - run["recorder"]["forwarded"]
    run["all_rows_present"] = (
        run["table_rows"] == run["recorder"]["forwarded"] == run["recorder"]["submitted"]
        and 0 <= run["rows_minus_wrk_requests"] <= connections and run["renamed_rows"] == 0
        and run["rollup_requests"] == run["table_rows"] and run["recorder"]["dropped"] == 0
        and run["journal_bytes_left"] == 0 and run["proxy_exit"] == 0)
    ok = ok and run["all_rows_present"] and w["non_2xx"] == 0 and w["socket_errors"] == 0
    report["runs"][name] = run
report["ok"] = ok
json.dump(report, open(f"{results}/summary.json", "w"), indent=2)

b, s = report["runs"]["baseline"], report["runs"]["stall"]
def f(v, spec=".0f"):
    return "-" if v is None else format(v, spec)
lines = [
    f"# metrics-proxy with a stalled database ({connections} connections, {duration:g} s per run, "
    f"lock held {hold:g} s from {delay:g} s)",
    "",
    "| run | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors |",
    "|---|---|---|---|---|---|---|---|",
]
for name, r in (("baseline", b), ("stall", s)):
    w = r["wrk"]
    lines.append(f"| {name} | {w['requests']} | {w['requests_per_second']:.0f} | {w['p50_ms']:.3f} "
                 f"| {w['p99_ms']:.3f} | {w['max_ms']:.1f} | {w['non_2xx']} | {w['socket_errors']} |")
lines += ["", "| run | submitted | written | replayed | spilled | dropped | write errors "
          "| max queue | forwarded | table rows | rows - wrk requests | renamed | rollups count "
          "| proxy exit |", "|---" * 14 + "|"]
for name, r in (("baseline", b), ("stall", s)):
    c = r["recorder"]
    lines.append(f"| {name} | {c['submitted']} | {c['written']} | {c['replayed']} | {c['spilled']} "
                 f"| {c['dropped']} | {c['write_errors']} | {r['max_queue_depth']} "
                 f"| {c['forwarded']} | {r['table_rows']} | {r['rows_minus_wrk_requests']:+d} "
                 f"| {r['renamed_rows']} | {r['rollup_requests']} | {r['proxy_exit']} |")
rs = s["recorded_per_second"]
lines += ["",
          f"Requests per second (from the proxy's rows_submitted, sampled every 0.25 s): baseline "
          f"{f(b['recorded_per_second']['whole run'])}; stall run before {f(rs['before'])}, while "
          f"locked {f(rs['stalled'])}, after {f(rs['after'])} (lock held "
          f"{s['stall_window_s'][0]:.2f}-{s['stall_window_s'][1]:.2f} s into the run).",
          f"Every forwarded request is a row, none twice, nothing dropped: "
          f"{'yes' if ok else 'NO'}."]
open(f"{results}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if ok else 1)
PY
if [[ $status -ne 0 ]]; then
  # Kept for diagnosis: the databases (and any journal left) of the runs that were checked.
  cp "$scratch"/*.db "$scratch"/*.db-wal "$scratch"/*.recorder-spill* "$results"/ 2>/dev/null || true
  echo "the runs' databases are kept in $results" >&2
fi
echo "results: $results"
exit "$status"
