#!/usr/bin/env bash
# Housekeeping of file backups, run against the built `safemig` binary with the sqlite3 shell:
# backups are single-file databases that the sqlite3 shell opens without leaving -wal or -shm
# beside them; SQLite's side files beside backups are never taken for backups by `backups`,
# `verify` or `prune`, and `prune` removes a backup together with them; a pruned backup's name is
# never given to another backup, and `history` says it was pruned, within 100 columns.
#
# Usage: housekeeping.sh PATH_TO_SAFEMIG   (CTest passes it; SQLITE3 may name the sqlite3 shell)
# Every failed check prints "FAIL: <what>" and the script exits non-zero at the first one.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
e2e_setup housekeeping "${1:-}"

D=$WORK/D
T=$WORK/app.db
mkdir -p "$D"
SAFEMIG_ARGS=(--db "$T" --dir "$D")

# The backups `safemig backups` lists, newest first, one path per line.
list_backups() {
  run_safemig 0 backups.out backups
  if grep -q ': no file backups$' backups.out; then return 0; fi
  awk 'NR > 1 && $2 ~ /^[0-9]+$/ { print $1 }' backups.out
}

# Fails when any of SQLite's side files exists beside $1.
expect_no_side_files() {
  local suffix
  for suffix in -wal -shm -journal; do
    [[ ! -e $1$suffix ]] || fail "$1$suffix exists: $2"
  done
}

# Leaves genuine WAL side files beside backup $1, as the sqlite3 shell does when it opens a WAL
# database and keeps its WAL (persist_wal): the shell opens a WAL copy of the backup and its
# -wal and -shm are put beside the backup. The backup itself is not changed.
leave_side_files() {
  local copy=$WORK/wal-copy.db
  cp "$1" "$copy"
  "$SQLITE3" "$copy" '.filectrl persist_wal 1' 'PRAGMA journal_mode=WAL;' 'SELECT count(*) FROM sqlite_schema;' >/dev/null
  [[ -e $copy-wal && -e $copy-shm ]] || fail "the sqlite3 shell left no -wal/-shm beside a WAL database"
  mv "$copy-wal" "$1-wal"
  mv "$copy-shm" "$1-shm"
  rm -f "$copy"
}

# ---------------------------------------------------------------------------------------------
echo "== 1. two backups, each a single-file database"
cat >"$D/V1__create.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
SQL
cat >"$D/V2__add.sql" <<'SQL'
ALTER TABLE t ADD COLUMN note TEXT;
SQL
run_safemig 0 migrate1.out migrate --to 1
"$SQLITE3" "$T" "INSERT INTO t(v) VALUES ('a'), ('b'), ('c');"
run_safemig 0 backup.out backup
mapfile -t BACKUPS < <(list_backups)
[[ ${#BACKUPS[@]} -eq 2 ]] || { cat backups.out >&2; fail "expected 2 backups, found ${#BACKUPS[@]}"; }
NEWEST=${BACKUPS[0]}
OLDER=${BACKUPS[1]}
grep -qx "backup: $NEWEST" backup.out || fail "the newest backup listed is not the one 'backup' wrote"
for b in "${BACKUPS[@]}"; do
  [[ $(od -An -tu1 -j18 -N2 "$b" | tr -s ' ') == " 1 1" ]] ||
    fail "$b is not in rollback-journal mode (header bytes 18-19: $(od -An -tu1 -j18 -N2 "$b"))"
  "$SQLITE3" "$b" 'SELECT count(*) FROM sqlite_schema;' >/dev/null || fail "the sqlite3 shell cannot read $b"
  expect_no_side_files "$b" "opening the backup with the sqlite3 shell left a side file"
  (cd "$(dirname "$b")" && sha256sum -c --status "$(basename "$b").sha256") ||
    fail "sha256sum -c fails for $b after the sqlite3 shell read it"
done
[[ $("$SQLITE3" "$NEWEST" 'SELECT count(*) FROM t;') == 3 ]] || fail "the newest backup lacks the rows"
pass "backups open with the sqlite3 shell and leave nothing beside them"

# ---------------------------------------------------------------------------------------------
echo "== 2. SQLite side files beside the backups are not backups"
for b in "${BACKUPS[@]}"; do leave_side_files "$b"; done
mapfile -t LISTED < <(list_backups)
[[ "${LISTED[*]}" == "${BACKUPS[*]}" ]] || { cat backups.out >&2; fail "backups lists other files than the two backups"; }
grep -q -- '-wal\|-shm' backups.out && fail "backups lists a side file"
pass "backups lists exactly the two backups"
run_safemig 0 verify1.out verify
pass "verify exits 0 beside the side files"

# ---------------------------------------------------------------------------------------------
echo "== 3. prune --keep 1 keeps the newest and removes the older with its side files"
run_safemig 0 prune.out prune --keep 1
grep -qx "removed $OLDER" prune.out || { cat prune.out >&2; fail "prune did not remove the older backup"; }
grep -q "removed 1$" prune.out || { cat prune.out >&2; fail "prune removed more than the older backup"; }
for suffix in "" .sha256 -wal -shm; do
  [[ -e $NEWEST$suffix ]] || fail "prune removed the newest backup's $NEWEST$suffix"
  [[ ! -e $OLDER$suffix ]] || fail "prune left $OLDER$suffix"
done
mapfile -t LISTED < <(list_backups)
[[ "${LISTED[*]}" == "$NEWEST" ]] || { cat backups.out >&2; fail "backups does not list exactly the newest backup"; }
run_safemig 0 verify2.out verify
pass "prune kept the newest backup and its .sha256, removed the older with its side files"

# ---------------------------------------------------------------------------------------------
echo "== 4. a pruned backup's name is never reused; history says it was pruned"
run_safemig 0 migrate2.out migrate
mapfile -t LISTED < <(list_backups)
for b in "${LISTED[@]}"; do [[ $b != "$OLDER" ]] || fail "a new backup took the pruned backup's name $OLDER"; done
[[ ! -e $OLDER ]] || fail "$OLDER exists again"
run_safemig 0 history.out history
awk 'length($0) > 100 { print; bad = 1 } END { exit bad }' history.out ||
  fail "history has lines longer than 100 columns"
grep -qx "  backup: $(basename "$OLDER") (pruned)" history.out ||
  { cat history.out >&2; fail "history does not say that $(basename "$OLDER") was pruned"; }
run_safemig 0 history-json.out history --json
grep -q '"backup_pruned":true' history-json.out || fail "history --json has no backup_pruned:true"
pass "history fits 100 columns and names the pruned backup"

echo "housekeeping: all checks passed"
