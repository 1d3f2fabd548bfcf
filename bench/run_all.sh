#!/usr/bin/env bash
# Builds the benchmark targets of the release preset, runs the four benchmarks and prints the
# ratio table (bench/README.md explains each).
#
#   bench/run_all.sh           full sizes (what README.md reports; about 15 minutes on 2 cores)
#   bench/run_all.sh --quick   small sizes, under a minute: checks that everything runs
#
# Environment:
#   SAFEMIG_BENCH_BUILD_DIR   build there instead of in build/release (the benchmarks are brought
#                             up to date in either case)
#   SAFEMIG_BENCH_CMAKE_ARGS  extra arguments for `cmake --preset release`
#   SAFEMIG_BENCH_RESULTS     where the JSON results go (default: a new /tmp directory, kept)
#   SAFEMIG_BENCH_TMP         where the large scratch databases go (default /tmp; removed after)
#   and the scale variables of each benchmark (SAFEMIG_BENCH_*), see bench/README.md.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
if [[ ${1:-} == --quick ]]; then
  export SAFEMIG_BENCH_WRITER_ROWS=${SAFEMIG_BENCH_WRITER_ROWS:-5000}
  export SAFEMIG_BENCH_BACKUP_MB=${SAFEMIG_BENCH_BACKUP_MB:-64}
  export SAFEMIG_BENCH_BACKUP_RUNS=${SAFEMIG_BENCH_BACKUP_RUNS:-2}
  export SAFEMIG_BENCH_REBUILD_ROWS=${SAFEMIG_BENCH_REBUILD_ROWS:-200000}
  export SAFEMIG_BENCH_REBUILD_RUNS=${SAFEMIG_BENCH_REBUILD_RUNS:-1}
  export SAFEMIG_BENCH_METRICS_ROWS=${SAFEMIG_BENCH_METRICS_ROWS:-200000}
  export SAFEMIG_BENCH_METRICS_ITERATIONS=${SAFEMIG_BENCH_METRICS_ITERATIONS:-50}
  export SAFEMIG_BENCH_METRICS_SEED_ITERATIONS=${SAFEMIG_BENCH_METRICS_SEED_ITERATIONS:-2}
elif [[ $# -gt 0 ]]; then
  echo "usage: bench/run_all.sh [--quick]" >&2
  exit 2
fi

for tool in sqlite3 hyperfine openssl /usr/bin/python3; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool: apt-get install -y sqlite3 hyperfine openssl python3-alembic" >&2
    exit 1
  }
done
/usr/bin/python3 -c 'import alembic' 2>/dev/null || {
  echo "missing Alembic: apt-get install -y python3-alembic" >&2
  exit 1
}

# shellcheck source=bench/build.sh
source "$root/bench/build.sh"
build_current bench_writer bench_metrics bench_file_backup bench_safe_rebuild

results=${SAFEMIG_BENCH_RESULTS:-$(mktemp -d /tmp/safemig-bench-results-XXXXXX)}
mkdir -p "$results"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "sqlite3: $(sqlite3 --version | cut -d' ' -f1)"
  echo "alembic: $(/usr/bin/python3 -c 'import alembic; print(alembic.__version__)')"
  echo "sqlalchemy: $(/usr/bin/python3 -c 'import sqlalchemy; print(sqlalchemy.__version__)')"
} | tee "$results/machine.txt"

echo "== 1. writer insert_batch vs raw SQLite C API" >&2
"$build_dir/bench/bench_writer" --benchmark_out="$results/writer.json" \
  --benchmark_out_format=json
echo "== 2. verified file backup vs cp + SHA-256" >&2
"$root/bench/file_backup.sh" "$build_dir" "$results"
echo "== 3. safe rebuild vs Alembic batch_alter_table" >&2
"$root/bench/safe_rebuild.sh" "$build_dir" "$results"
echo "== 4. reader metrics vs ten aggregate queries" >&2
"$build_dir/bench/bench_metrics" --benchmark_out="$results/metrics.json" \
  --benchmark_out_format=json

echo
echo "results in $results"
python3 "$root/bench/ratios.py" "$results" | tee "$results/ratios.md"
