#!/usr/bin/env bash
# Benchmark 3: a safe table rebuild on 8 million rows (bench_safe_rebuild: SafeMigrationManager
# with every safety stage) against Alembic's batch_alter_table doing the same change with no
# safety (alembic_rebuild.py, Debian's python3-alembic), timed by hyperfine in one run.
#
#   bench/safe_rebuild.sh BUILD_DIR [RESULTS_DIR]
#
# Both start every run from a fresh copy of the same database (copied in hyperfine's --prepare,
# untimed, so the file is in the page cache for both) and end with `events` rebuilt with CHECK
# constraints, its rows and its index.
# Scale: SAFEMIG_BENCH_REBUILD_ROWS (default 8000000), SAFEMIG_BENCH_REBUILD_RUNS (default 2).
set -euo pipefail

build_dir=${1:?usage: safe_rebuild.sh BUILD_DIR [RESULTS_DIR]}
results=${2:-$(pwd)}
driver=$(realpath "$build_dir/bench/bench_safe_rebuild")
rows=${SAFEMIG_BENCH_REBUILD_ROWS:-8000000}
runs=${SAFEMIG_BENCH_REBUILD_RUNS:-2}
here=$(dirname "$(realpath "$0")")
mkdir -p "$results"

dir=$(mktemp -d "${SAFEMIG_BENCH_TMP:-/tmp}/safemig-bench-rebuild-XXXXXX")
trap 'rm -rf "$dir"' EXIT
template=$dir/template.db
work=$dir/work.db

echo "generating $rows rows in $template ..." >&2
"$driver" init "$template"
sqlite3 "$template" <<SQL
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < $rows - 1)
INSERT INTO events (timestamp_ms, model, success, response_time_ms, prompt_tokens,
                    completion_tokens)
SELECT 1767225600000 + x * 500,
       CASE x % 4 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'gpt-4o-mini' WHEN 2 THEN 'llama-3-70b'
                  ELSE 'claude-3-haiku' END,
       (x * 40503) % 100 >= 5, 50 + (x * 2654435761) % 4000,
       10 + (x * 2246822519) % 2000, 1 + (x * 3266489917) % 800
FROM n;
SQL
rm -f "$template".backup-* "$template".writer.lock
ls -l "$template" >&2

hyperfine --style basic --runs "$runs" \
  --export-json "$results/safe_rebuild.json" \
  --prepare "rm -f '$work' '$work'-* '$work'.* && cp '$template' '$work'" \
  -n "safemig safe rebuild" "'$driver' run '$work' > '$results/safe_rebuild_breakdown.txt'" \
  -n "alembic batch_alter_table" "/usr/bin/python3 '$here/alembic_rebuild.py' '$work'"

echo "stage breakdown of the last safemig run (ms):" >&2
cat "$results/safe_rebuild_breakdown.txt" >&2
python3 "$here/ratios.py" "$results" --only safe_rebuild
