#!/usr/bin/env bash
# Acceptance scenarios 1-6 of issue 2, run against the built `safemig` binary with the sqlite3
# shell, exactly as the issue states them.
#
# Usage: acceptance.sh PATH_TO_SAFEMIG   (CTest passes it; SQLITE3 may name the sqlite3 shell)
# Every failed check prints "FAIL: <what>" and the script exits non-zero at the first one.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
BACKGROUND=()
e2e_cleanup_hook() {
  local pid
  for pid in "${BACKGROUND[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
e2e_setup acceptance "${1:-}"

D=$WORK/D
T=$WORK/T
mkdir -p "$D"

rows() { "$SQLITE3" "$T" 'SELECT count(*) FROM t;'; }

expect_status_version() {
  local version=$1
  run_safemig 0 status.out --db "$T" --dir "$D" status
  grep -qx "version: $version" status.out || { cat status.out >&2; fail "status does not show version $version"; }
}

# Waits up to 20 s for a file to appear; fails naming what was awaited.
wait_for_file() {
  local file=$1 what=$2 i
  for ((i = 0; i < 200; i++)); do
    [[ -e $file ]] && return 0
    sleep 0.1
  done
  fail "timed out waiting for $what"
}

# ---------------------------------------------------------------------------------------------
echo "== 1. migrate a fresh database to version 2"
cat >"$D/V1__create.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
SQL
cat >"$D/V2__add.sql" <<'SQL'
ALTER TABLE t ADD COLUMN note TEXT;
SQL
run_safemig 0 migrate1.out --db "$T" --dir "$D" migrate
pass "migrate exits 0"
expect_status_version 2
pass "status shows version 2"

# ---------------------------------------------------------------------------------------------
echo "== 2. a failing rebuild V3 leaves the database exactly as it was"
"$SQLITE3" "$T" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
                 INSERT INTO t(v) SELECT 'value ' || x FROM c;"
[[ $(rows) == 1000 ]] || fail "inserting 1,000 rows with sqlite3 gave $(rows) rows"
"$SQLITE3" "$T" '.schema t' >schema_before
cat >"$D/V3__bad.sql" <<'SQL'
CREATE TABLE new_t(id INTEGER PRIMARY KEY, v TEXT NOT NULL, note TEXT);
INSERT INTO new_t(id, v, note) SELECT id, v, note FROM t;
DROP TABLE t;
ALTER TABLE new_t RENAME TO t;
INSERT INTO t(id, v) VALUES (1, 'this id exists already');
SQL
run_safemig 1 migrate_bad.out --db "$T" --dir "$D" migrate
pass "migrate with V3__bad.sql exits 1"
"$SQLITE3" "$T" '.schema t' >schema_after
cmp -s schema_before schema_after || { diff schema_before schema_after >&2 || true; fail ".schema t changed"; }
pass ".schema t is byte-identical to before"
[[ $(rows) == 1000 ]] || fail "expected 1000 rows after the failed step, found $(rows)"
pass "all 1,000 rows are there"
expect_status_version 2
pass "status shows version 2"
run_safemig 0 backups.out --db "$T" backups
BACKUP=$(awk 'NR == 2 { print $1 }' backups.out)
[[ -n $BACKUP && -f $BACKUP ]] || { cat backups.out >&2; fail "backups lists no backup file"; }
[[ -f $BACKUP.sha256 ]] || fail "backup $BACKUP has no .sha256 beside it"
(cd "$(dirname "$BACKUP")" && sha256sum -c "$(basename "$BACKUP").sha256") >sha256sum.out 2>&1 ||
  { cat sha256sum.out >&2; fail "sha256sum -c rejects $BACKUP.sha256"; }
pass "backups lists $BACKUP, whose .sha256 passes sha256sum -c"
[[ $("$SQLITE3" "$BACKUP" 'PRAGMA integrity_check') == ok ]] || fail "integrity_check of $BACKUP is not ok"
pass "PRAGMA integrity_check of the backup prints ok"

# ---------------------------------------------------------------------------------------------
echo "== 3. a correct rebuild V3 applies and downgrades"
rm "$D/V3__bad.sql"
cat >"$D/V3__rebuild.sql" <<'SQL'
CREATE TABLE new_t(id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT '', note TEXT);
INSERT INTO new_t(id, v, note) SELECT id, coalesce(v, ''), note FROM t;
DROP TABLE t;
ALTER TABLE new_t RENAME TO t;
SQL
cat >"$D/U3__rebuild.sql" <<'SQL'
CREATE TABLE new_t(id INTEGER PRIMARY KEY, v TEXT, note TEXT);
INSERT INTO new_t(id, v, note) SELECT id, v, note FROM t;
DROP TABLE t;
ALTER TABLE new_t RENAME TO t;
SQL
run_safemig 0 migrate3.out --db "$T" --dir "$D" migrate
pass "migrate with V3__rebuild.sql exits 0"
[[ $(rows) == 1000 ]] || fail "expected 1000 rows after V3, found $(rows)"
pass "1,000 rows after V3"
run_safemig 0 history.out --db "$T" --dir "$D" history
# Columns: version direction applied_at duration(N ms) checksum(first 12 hex) name; the next line
# is "  backup: <file name beside the database>".
read -r H_VERSION H_DIRECTION _ H_DURATION H_UNIT H_CHECKSUM _ < <(awk '$1 == "3" && $2 == "up"' history.out | tail -n 1) ||
  { cat history.out >&2; fail "history has no row for version 3"; }
H_BACKUP=$(dirname "$T")/$(awk '$1 == "3" && $2 == "up" { getline; print $2 }' history.out | tail -n 1)
[[ $H_VERSION == 3 && $H_DIRECTION == up ]] || { cat history.out >&2; fail "history does not show version 3 applied"; }
[[ $H_CHECKSUM =~ ^[0-9a-f]{12}$ ]] || { cat history.out >&2; fail "history shows no SHA-256 checksum for V3"; }
[[ $H_DURATION =~ ^[0-9]+$ && $H_UNIT == ms ]] || { cat history.out >&2; fail "history shows no duration for V3"; }
[[ -f $H_BACKUP ]] || { cat history.out >&2; fail "history's backup path '$H_BACKUP' for V3 is not a file"; }
pass "history shows version 3, checksum $H_CHECKSUM, $H_DURATION ms, backup $H_BACKUP"
run_safemig 0 downgrade.out --db "$T" --dir "$D" downgrade --to 2
pass "downgrade --to 2 exits 0"
[[ $(rows) == 1000 ]] || fail "expected 1000 rows after the downgrade, found $(rows)"
expect_status_version 2
pass "the database is at version 2 with its 1,000 rows"

# ---------------------------------------------------------------------------------------------
echo "== 4. an applied migration edited afterwards"
cp "$D/V2__add.sql" V2__add.sql.orig
echo "ALTER TABLE t ADD COLUMN extra TEXT;" >>"$D/V2__add.sql"
run_safemig 3 migrate_edited.out --db "$T" --dir "$D" migrate
grep -q "V2" migrate_edited.out || { cat migrate_edited.out >&2; fail "migrate does not name V2"; }
pass "migrate exits 3 naming V2"
run_safemig 3 verify_edited.out --db "$T" --dir "$D" verify
grep -q "V2" verify_edited.out || { cat verify_edited.out >&2; fail "verify does not name V2"; }
pass "verify exits 3 naming V2"
cp V2__add.sql.orig "$D/V2__add.sql"
run_safemig 0 verify_ok.out --db "$T" --dir "$D" verify
run_safemig 0 migrate_back.out --db "$T" --dir "$D" migrate
expect_status_version 3
pass "with V2 restored, verify passes and the database is back at version 3"

# ---------------------------------------------------------------------------------------------
echo "== 5. kill -9 of migrate during a long V4"
cat >"$D/V4__big.sql" <<'SQL'
CREATE TABLE big(x INTEGER PRIMARY KEY, y TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
INSERT INTO big(x, y) SELECT x, hex(randomblob(16)) FROM c;
SQL
"$SAFEMIG" --db "$T" --dir "$D" migrate >migrate_killed.out 2>&1 &
KILLED=$!
BACKGROUND+=("$KILLED")
# The journal appears once the backup is taken and V4 starts changing the database.
wait_for_file "$T.safemig-journal" "V4 to start"
sleep 0.5
kill -0 "$KILLED" 2>/dev/null || fail "V4 finished before it could be killed; make it longer"
kill -9 "$KILLED"
wait "$KILLED" 2>/dev/null || true
pass "migrate (pid $KILLED) killed with -9 during V4"
# status only reads: it reports the interrupted run and leaves its recovery to the next writer.
run_safemig 0 status_interrupted.out --db "$T" --dir "$D" status
grep -q "^an interrupted run of V4 big awaits recovery" status_interrupted.out ||
  { cat status_interrupted.out >&2; fail "status does not report the interrupted V4"; }
[[ -e $T.safemig-journal ]] || fail "status removed the journal; it must only read"
pass "status reports: $(grep -m1 "^an interrupted run" status_interrupted.out)"
run_safemig 0 status_recovered.out --db "$T" --dir "$D" migrate --to 3
grep -q "^recovered from an interrupted V4" status_recovered.out ||
  { cat status_recovered.out >&2; fail "migrate does not report the recovery of V4"; }
pass "migrate reports: $(grep -m1 "^recovered from" status_recovered.out)"
run_safemig 0 status_recovered.out --db "$T" --dir "$D" status
grep -qx "version: 3" status_recovered.out || { cat status_recovered.out >&2; fail "T is not at version 3"; }
pass "T is at version 3"
[[ $("$SQLITE3" "$T" 'PRAGMA integrity_check') == ok ]] || fail "integrity_check of T is not ok"
pass "integrity_check ok"
grep -qx "writer lock: free" status_recovered.out || { cat status_recovered.out >&2; fail "status does not show the writer lock free"; }
[[ ! -e $T.writer.lock ]] || fail "a stale lock file $T.writer.lock is left"
pass "no stale lock"

# ---------------------------------------------------------------------------------------------
echo "== 6. a second migrate while one holds T"
"$SAFEMIG" --db "$T" --dir "$D" migrate >migrate_first.out 2>&1 &
FIRST=$!
BACKGROUND+=("$FIRST")
wait_for_file "$T.safemig-journal" "the first migrate to start V4"
kill -0 "$FIRST" 2>/dev/null || fail "the first migrate finished before the second started; make V4 longer"
run_safemig 1 migrate_second.out --db "$T" --dir "$D" migrate
grep -q "pid $FIRST" migrate_second.out || { cat migrate_second.out >&2; fail "the second migrate does not name pid $FIRST"; }
pass "the second migrate exits 1: $(grep -m1 "pid $FIRST" migrate_second.out)"
FIRST_RC=0
wait "$FIRST" || FIRST_RC=$?
[[ $FIRST_RC -eq 0 ]] || { cat migrate_first.out >&2; fail "the first migrate exited $FIRST_RC"; }
expect_status_version 4
pass "the first migrate finished: T is at version 4"

echo "all acceptance scenarios passed"
