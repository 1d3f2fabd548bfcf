#!/usr/bin/env bash
# Benchmark 2: safemig's verified file backup (backup::create_file_backup, quiescent path) of a
# ~1 GB database against cp + SHA-256 of the same file, timed by hyperfine in one run.
#
#   bench/file_backup.sh BUILD_DIR [RESULTS_DIR]
#
# Commands compared (all read the same warm file and write a full copy beside it):
#   cp + openssl sha256      the anchor: cp, then `openssl dgst -sha256` (SHA-NI) of the copy
#   cp + sha256sum           the same with coreutils' sha256sum
#   cp + fsync + openssl     the anchor made durable like a backup (`sync FILE` fsyncs it)
#   safemig file backup      bench_file_backup: writer lock, open, WAL checkpoint, a copy
#                            through SQLite's file handle while hashing, fsync, re-read + hash,
#                            open-check, rename, .sha256 sidecar
# Scale: SAFEMIG_BENCH_BACKUP_MB (default 1024), SAFEMIG_BENCH_BACKUP_RUNS (default 5).
# Files live in a scratch directory under SAFEMIG_BENCH_TMP (default /tmp), removed on exit.
set -euo pipefail

build_dir=${1:?usage: file_backup.sh BUILD_DIR [RESULTS_DIR]}
results=${2:-$(pwd)}
driver=$(realpath "$build_dir/bench/bench_file_backup")
size_mb=${SAFEMIG_BENCH_BACKUP_MB:-1024}
runs=${SAFEMIG_BENCH_BACKUP_RUNS:-5}
here=$(dirname "$(realpath "$0")")
mkdir -p "$results"

dir=$(mktemp -d "${SAFEMIG_BENCH_TMP:-/tmp}/safemig-bench-backup-XXXXXX")
trap 'rm -rf "$dir"' EXIT
db=$dir/big.db
copy=$dir/copy.db

# One 4000-byte random blob per 4 KiB page: size_mb * 256 rows is about size_mb MiB.
echo "generating a ${size_mb} MiB database in $db ..." >&2
sqlite3 "$db" <<SQL
PRAGMA page_size = 4096;
CREATE TABLE blobs (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $((size_mb * 256)))
INSERT INTO blobs (payload) SELECT randomblob(4000) FROM n;
SQL
ls -l "$db" >&2

hyperfine --style basic --warmup 1 --runs "$runs" \
  --export-json "$results/file_backup.json" \
  --prepare "rm -f '$copy' '$db'.backup-*" \
  -n "cp + openssl sha256" "cp '$db' '$copy' && openssl dgst -sha256 '$copy'" \
  -n "cp + sha256sum" "cp '$db' '$copy' && sha256sum '$copy'" \
  -n "cp + fsync + openssl sha256" "cp '$db' '$copy' && sync '$copy' && openssl dgst -sha256 '$copy'" \
  -n "safemig file backup" "'$driver' '$db'"

# The backup must verify with the standard tool, as the issue's acceptance requires.
"$driver" "$db" >/dev/null
(cd "$dir" && sha256sum -c --quiet ./*.sha256) && echo "sha256sum -c of the backup: OK" >&2

python3 "$here/ratios.py" "$results" --only file_backup
