#!/usr/bin/env bash
# One writer per SQLite file, whatever path names it: while a `safemig migrate` holds m.db, a
# second `safemig migrate` is refused — exit 1, naming the holder's pid — through a symlink, a
# hardlink, a relative path from another working directory, and after the lock's description
# file was deleted by hand.
#
# The holder is a real `safemig migrate` stopped with SIGSTOP in the middle of a long step: it
# holds the lock for as long as the checks need, without a race against the step's length.
#
# Usage: writer_lock.sh PATH_TO_SAFEMIG   (CTest passes it)
# Every failed check prints "FAIL: <what>" and the script exits non-zero at the first one.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
HOLDER=
e2e_cleanup_hook() {
  if [[ -n $HOLDER ]]; then
    kill -CONT "$HOLDER" 2>/dev/null || true
    kill -9 "$HOLDER" 2>/dev/null || true
  fi
}
e2e_setup writer-lock "${1:-}"

# expect_refused OUTFILE WHAT ARGS...: a second migrate exits 1 naming the holder's pid.
expect_refused() {
  local outfile=$1 what=$2
  shift 2
  run_safemig 1 "$outfile" "$@" migrate
  grep -q "pid $HOLDER" "$outfile" || { cat "$outfile" >&2; fail "$what: the refusal does not name pid $HOLDER"; }
  pass "$what: refused, $(grep -m1 -o "being written by pid $HOLDER[^;]*" "$outfile")"
}

D=$WORK/D
DATA=$WORK/data
DB=$DATA/m.db
mkdir -p "$D" "$DATA" "$WORK/elsewhere"
cd "$WORK"

# ---------------------------------------------------------------------------------------------
echo "== a database at version 1, and a long V2"
cat >"$D/V1__create.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
SQL
run_safemig 0 migrate1.out --db "$DB" --dir "$D" migrate
cat >"$D/V2__big.sql" <<'SQL'
CREATE TABLE big(x INTEGER PRIMARY KEY, y TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
INSERT INTO big(x, y) SELECT x, hex(randomblob(16)) FROM c;
SQL
ln -s "$DB" "$DATA/link.db"
ln "$DB" "$DATA/hard.db"
pass "m.db at version 1, with a symlink link.db and a hardlink hard.db"

# ---------------------------------------------------------------------------------------------
echo "== a writer holds m.db"
"$SAFEMIG" --db "$DB" --dir "$D" migrate >holder.out 2>&1 &
HOLDER=$!
for ((i = 0; i < 1000; i++)); do
  [[ -e $DB.safemig-journal ]] && break
  kill -0 "$HOLDER" 2>/dev/null || { cat holder.out >&2; fail "the holder exited before V2 started"; }
  sleep 0.02
done
[[ -e $DB.safemig-journal ]] || fail "V2 did not start within 20 s"
kill -STOP "$HOLDER"
[[ -e $DB.safemig-journal ]] || fail "V2 finished before the holder could be stopped; make it longer"
pass "safemig migrate (pid $HOLDER) stopped inside V2, holding the writer lock"
[[ $(head -n 1 "$DB.writer.lock") == "pid $HOLDER "* ]] || fail "$DB.writer.lock does not name pid $HOLDER"
pass "$DB.writer.lock names pid $HOLDER"

# ---------------------------------------------------------------------------------------------
echo "== a second migrate is refused, whatever path it uses"
expect_refused same.out "the same path" --db "$DB" --dir "$D"
expect_refused symlink.out "through the symlink link.db" --db "$DATA/link.db" --dir "$D"
expect_refused hardlink.out "through the hardlink hard.db" --db "$DATA/hard.db" --dir "$D"
(cd "$WORK/elsewhere" && expect_refused "$WORK/relative.out" "a relative path from another directory" \
  --db ../data/m.db --dir ../D)
run_safemig 0 status_link.out --db "$DATA/link.db" --dir "$D" status
grep -q "pid $HOLDER" status_link.out || { cat status_link.out >&2; fail "status through link.db does not name pid $HOLDER"; }
pass "status through link.db names pid $HOLDER"
rm "$DB.writer.lock"
expect_refused deleted.out "after rm of m.db.writer.lock" --db "$DB" --dir "$D"
expect_refused deleted_link.out "after rm of m.db.writer.lock, through link.db" --db "$DATA/link.db" --dir "$D"
[[ ! -e $DATA/link.db.writer.lock && ! -e $DATA/hard.db.writer.lock ]] ||
  fail "a refused writer left a lock description beside its path"
pass "the refused writers left nothing beside the database"

# ---------------------------------------------------------------------------------------------
echo "== the holder finishes; the lock is free again"
kill -CONT "$HOLDER"
HOLDER_RC=0
wait "$HOLDER" || HOLDER_RC=$?
[[ $HOLDER_RC -eq 0 ]] || { cat holder.out >&2; fail "the holder exited $HOLDER_RC"; }
HOLDER=
pass "the holder applied V2 and exited 0"
run_safemig 0 status_after.out --db "$DB" --dir "$D" status
grep -qx "version: 2" status_after.out || { cat status_after.out >&2; fail "m.db is not at version 2"; }
grep -qx "writer lock: free" status_after.out || { cat status_after.out >&2; fail "status does not show the writer lock free"; }
run_safemig 0 migrate_link.out --db "$DATA/link.db" --dir "$D" migrate
pass "m.db is at version 2 and a writer through link.db gets the lock"
[[ ! -e $DB.writer.lock ]] || fail "a lock description $DB.writer.lock is left"

# ---------------------------------------------------------------------------------------------
echo "== a refused command leaves no database behind"
mkdir "$DATA/new.db.writer.lock"
run_safemig 1 new.out --db "$DATA/new.db" --dir "$D" migrate
grep -q "writer lock's description" new.out || { cat new.out >&2; fail "the failure does not name the lock's description"; }
[[ ! -e $DATA/new.db ]] || fail "a failed migrate left an empty $DATA/new.db"
pass "a migrate that could not start left no new.db"

echo "all writer lock scenarios passed"
