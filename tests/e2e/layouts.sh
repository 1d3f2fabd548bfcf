#!/usr/bin/env bash
# Acceptance of the SQL-file layouts: real-world Diesel, golang-migrate, goose and dbmate
# directories run by the built `safemig` binary in their own tools' order, checked with the
# sqlite3 shell and `safemig history --json` / `status --json`.
#
# Usage: layouts.sh PATH_TO_SAFEMIG   (CTest passes it; SQLITE3 may name the sqlite3 shell)
# Every failed check prints "FAIL: <what>" and the script exits non-zero at the first one.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
e2e_setup layouts "${1:-}"

# The applied versions of DB in the order history --json lists them, one per line (a text
# version, as Diesel's, without its quotes).
history_versions() {
  run_safemig 0 history.json --db "$1" --dir "$2" history --json
  grep -o '"version":"\?[0-9]*' history.json | cut -d: -f2 | tr -d '"'
}

tables() { "$SQLITE3" "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name;" | tr '\n' ' '; }

# ---------------------------------------------------------------------------------------------
echo "== 1. a Diesel history with empty and comment-only files runs in Diesel's order"
D=$WORK/diesel
mkdir -p "$D/00000000000000_diesel_initial_setup" "$D/2024-03-12_090000_create_early" \
  "$D/2024-03-13-170000_create_a" "$D/2024-03-14-080000_add_b"
: >"$D/.keep"
cat >"$D/00000000000000_diesel_initial_setup/up.sql" <<'SQL'
-- This file was automatically created by Diesel to setup helper functions
-- and other internal bookkeeping.
SQL
: >"$D/00000000000000_diesel_initial_setup/down.sql"
echo 'CREATE TABLE early(id INTEGER PRIMARY KEY);' >"$D/2024-03-12_090000_create_early/up.sql"
echo '-- Your SQL goes here' >"$D/2024-03-12_090000_create_early/down.sql"
echo 'CREATE TABLE a(id INTEGER PRIMARY KEY, early_id INTEGER REFERENCES early(id));' \
  >"$D/2024-03-13-170000_create_a/up.sql"
: >"$D/2024-03-13-170000_create_a/down.sql"
echo 'ALTER TABLE a ADD COLUMN b TEXT;' >"$D/2024-03-14-080000_add_b/up.sql"
run_safemig 0 diesel.out --db diesel.db --dir "$D" migrate
[[ $(tables diesel.db) == "a early " ]] || fail "Diesel tables are '$(tables diesel.db)'"
"$SQLITE3" diesel.db "SELECT b FROM a;" >/dev/null || fail "column a.b is missing"
pass "every Diesel step ran"
[[ $(history_versions diesel.db "$D" | tr '\n' ' ') == "00000000000000 20240312 20240313170000 20240314080000 " ]] ||
  { cat history.json >&2; fail "history is not in Diesel's order"; }
pass "history lists 00000000000000, 20240312 (YYYY-MM-DD_HHMMSS_), 20240313170000, 20240314080000"
"$SQLITE3" diesel.db "SELECT group_concat(version_name, ' ') FROM (SELECT version_name FROM _safemig_history ORDER BY id);" |
  grep -qx "00000000000000 20240312 20240313170000 20240314080000" ||
  fail "the history table does not hold Diesel's text versions"
pass "_safemig_history holds Diesel's versions as text"

echo "== 2. a 14-digit timestamp version is shown as such by status --json"
run_safemig 0 status.json --db diesel.db --dir "$D" status --json
grep -q '"version":"20240314080000"' status.json || { cat status.json >&2; fail "status --json version"; }
grep -q '"layout":"Diesel"' status.json || { cat status.json >&2; fail "status --json layout"; }
pass "status --json shows version \"20240314080000\" (Diesel's text) and layout Diesel"

echo "== 3. a Diesel version that sorts last as text runs last, though smaller as a number"
mkdir -p "$D/2024-03-15_090000_late"
echo 'CREATE TABLE late(id INTEGER);' >"$D/2024-03-15_090000_late/up.sql"
echo 'DROP TABLE late;' >"$D/2024-03-15_090000_late/down.sql"
run_safemig 0 late.out --db diesel.db --dir "$D" status
grep -q "pending: V20240315 090000_late" late.out || { cat late.out >&2; fail "20240315 is not pending"; }
run_safemig 0 late.out --db diesel.db --dir "$D" migrate
grep -q "applied V20240315 090000_late" late.out || { cat late.out >&2; fail "20240315 did not run"; }
[[ $(tables diesel.db) == "a early late " ]] || fail "late was not created"
[[ $(history_versions diesel.db "$D" | tail -1) == "20240315" ]] || fail "20240315 is not the last version"
run_safemig 0 down.out --db diesel.db --dir "$D" downgrade --to 20240314080000
[[ $(tables diesel.db) == "a early " ]] || { cat down.out >&2; fail "downgrade --to 20240314080000 kept late"; }
pass "V20240315 ran after V20240314080000, and downgrade --to 20240314080000 undid it"

# ---------------------------------------------------------------------------------------------
echo "== 4. golang-migrate from version 0"
G=$WORK/golang
mkdir -p "$G"
echo 'CREATE TABLE system(id INTEGER PRIMARY KEY);' >"$G/0000_system.up.sql"
echo 'DROP TABLE system;' >"$G/0000_system.down.sql"
echo 'ALTER TABLE system ADD COLUMN name TEXT;' >"$G/0001_name.up.sql"
run_safemig 0 golang.out --db golang.db --dir "$G" migrate
[[ $(history_versions golang.db "$G" | tr '\n' ' ') == "0 1 " ]] ||
  { cat history.json >&2; fail "golang-migrate history is not 0, 1"; }
"$SQLITE3" golang.db "SELECT name FROM system;" >/dev/null || fail "system.name is missing"
pass "versions 0 and 1 applied"

# ---------------------------------------------------------------------------------------------
echo "== 5. goose and dbmate single files"
O=$WORK/goose
mkdir -p "$O"
cat >"$O/20240503151139_create_lists.sql" <<'SQL'
-- +goose Up
-- +goose StatementBegin
CREATE TABLE IF NOT EXISTS lists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL
);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE IF EXISTS lists;
-- +goose StatementEnd
SQL
cat >"$O/20240504000000_noop.sql" <<'SQL'
-- +goose Up
-- +goose Down
SQL
run_safemig 0 goose.out --db goose.db --dir "$O" migrate
[[ $(tables goose.db) == "lists " ]] || fail "goose tables are '$(tables goose.db)'"
[[ $(history_versions goose.db "$O" | tr '\n' ' ') == "20240503151139 20240504000000 " ]] ||
  { cat history.json >&2; fail "goose history"; }
pass "goose: both steps applied, the empty one as a no-op"

M=$WORK/dbmate
mkdir -p "$M"
printf -- '-- migrate:up\nCREATE TABLE users(id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n' \
  >"$M/20240101000000_create_users.sql"
printf -- '-- migrate:up\nALTER TABLE users ADD COLUMN email TEXT;\n\n-- migrate:down\n' \
  >"$M/20240102000000_add_email.sql"
run_safemig 0 dbmate.out --db dbmate.db --dir "$M" migrate
"$SQLITE3" dbmate.db "SELECT email FROM users;" >/dev/null || fail "users.email is missing"
[[ $(history_versions dbmate.db "$M" | tr '\n' ' ') == "20240101000000 20240102000000 " ]] ||
  { cat history.json >&2; fail "dbmate history"; }
pass "dbmate: both steps applied"

echo "all layout scenarios passed"
