#!/usr/bin/env bash
# Builds the release preset's service targets and runs the service benchmarks (see
# bench/README.md, "Services"), each into its own directory under one results directory: added
# latency and throughput, SSE streams, the recorder, the recorder under a locked database, and
# instructions per request against nginx.
#
#   bench/run_services.sh           full sizes (about 12 minutes on 2 cores)
#   bench/run_services.sh --quick   small sizes, under a minute: checks that everything runs
#
# Needs wrk, h2load (nghttp2-client), nginx-light, valgrind, jq, curl, sqlite3, python3. Environment: SAFEMIG_BENCH_BUILD_DIR (a
# configured build to use instead of build/release; its binaries are brought up to date first),
# SAFEMIG_BENCH_RESULTS (default a new /tmp directory, kept), SAFEMIG_BENCH_TMP (database
# directory, default /tmp).
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
quick=0
if [[ ${1:-} == --quick ]]; then
  quick=1
elif [[ $# -gt 0 ]]; then
  echo "usage: bench/run_services.sh [--quick]" >&2
  exit 2
fi
for tool in wrk h2load nginx valgrind jq curl sqlite3 python3; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool: apt-get install -y wrk nghttp2-client nginx-light valgrind jq curl" \
      "sqlite3 python3" >&2
    exit 1
  }
done

# shellcheck source=bench/build.sh
source "$root/bench/build.sh"
build_current metrics-proxy fake-upstream bench_sse_streams bench_recorder
export SAFEMIG_BENCH_BUILD_DIR=$build_dir
results=${SAFEMIG_BENCH_RESULTS:-$(mktemp -d /tmp/safemig-bench-services-XXXXXX)}
mkdir -p "$results"

if [[ $quick == 1 ]]; then
  SAFEMIG_BENCH_RESULTS=$results/overhead "$root/bench/proxy_overhead.sh" --duration 2
  SAFEMIG_BENCH_RESULTS=$results/sse "$root/bench/sse_streams.sh" --streams 200 --rate 200 \
    --tokens 4 --token-delay-ms 500 --rounds 1
  "$build_dir/bench/bench_recorder" --rows 5000 --repeat 1 --single-rows 1000 --stall-ms 1000 \
    --before-ms 500 --after-ms 1000 --json "$results/recorder.json"
  SAFEMIG_BENCH_RESULTS=$results/stall SAFEMIG_BENCH_STALL_DURATION=4 \
    SAFEMIG_BENCH_STALL_DELAY=1 SAFEMIG_BENCH_STALL_SECONDS=1 "$root/bench/recorder_stall.sh"
  SAFEMIG_BENCH_RESULTS=$results/instructions "$root/bench/instructions_per_request.sh" \
    --requests 500 --rounds 1
else
  SAFEMIG_BENCH_RESULTS=$results/overhead "$root/bench/proxy_overhead.sh"
  SAFEMIG_BENCH_RESULTS=$results/sse "$root/bench/sse_streams.sh"
  "$build_dir/bench/bench_recorder" --json "$results/recorder.json"
  SAFEMIG_BENCH_RESULTS=$results/stall SAFEMIG_BENCH_STALL_DURATION=14 \
    SAFEMIG_BENCH_STALL_SECONDS=8 "$root/bench/recorder_stall.sh"
  SAFEMIG_BENCH_RESULTS=$results/instructions "$root/bench/instructions_per_request.sh"
fi
echo "results in $results"
