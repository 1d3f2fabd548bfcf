#!/usr/bin/env bash
# Nothing is lost on the way down, and databases other tools migrated are taken over, against the
# built `safemig` with the sqlite3 shell:
#   1. a down file that drops a table with rows exits 1 and changes nothing; with
#      --allow-data-loss, after three up/down cycles every row ever inserted is in a backup table
#      that `backups --json` lists;
#   2. a database golang-migrate migrated (its schema_migrations table, made with sqlite3) is
#      taken over: migrate runs only the steps after it; a dirty one is refused (exit 3);
#   3. the same from Diesel's __diesel_schema_migrations;
#   4. a step merged below the applied ones is refused, then run by --out-of-order;
#   5. baseline records the steps of an existing database whose schema they produce.
#
# Usage: nothing_lost.sh PATH_TO_SAFEMIG   (CTest passes it; SQLITE3 may name the sqlite3 shell)
set -euo pipefail

source "$(dirname "$0")/lib.sh"
e2e_setup nothing-lost "${1:-}"

# dump DB: the database's schema and rows, as text.
dump() { "$SQLITE3" "$1" .dump | sha256sum | cut -d' ' -f1; }

# json_query FILE SQL: runs SQL over the JSON in FILE, available as the table j(value).
json_query() {
  "$SQLITE3" :memory: "CREATE TABLE j AS SELECT readfile('$1') AS value; $2"
}

# ---------------------------------------------------------------------------------------------
echo "== 1. a down step that drops rows"
D=$WORK/flyway
DB=$WORK/app.db
mkdir -p "$D"
echo 'CREATE TABLE a(id INTEGER PRIMARY KEY);' >"$D/V1__create_a.sql"
echo 'CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT);' >"$D/V2__create_b.sql"
echo 'DROP TABLE b;' >"$D/U2__create_b.sql"
for cycle in 0 1 2; do
  run_safemig 0 up.out --db "$DB" --dir "$D" migrate
  "$SQLITE3" "$DB" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100)
                    INSERT INTO b SELECT $cycle * 100 + x, 'row' FROM c;"
  before=$(dump "$DB")
  run_safemig 1 refused.out --db "$DB" --dir "$D" downgrade --to 1
  grep -q "table b: 100 rows" refused.out || { cat refused.out >&2; fail "the refusal does not name table b and its 100 rows"; }
  [[ $(dump "$DB") == "$before" ]] || fail "the refused downgrade changed the database"
  [[ $("$SQLITE3" "$DB" 'SELECT count(*) FROM b') == 100 ]] || fail "b lost rows in a refused downgrade"
  run_safemig 0 down.out --db "$DB" --dir "$D" downgrade --to 1 --allow-data-loss
  "$SQLITE3" "$DB" "SELECT 1 FROM sqlite_schema WHERE name = 'b'" | grep -q 1 && fail "b still exists after the allowed downgrade"
done
pass "each cycle: downgrade exits 1 and changes nothing; --allow-data-loss drops b"
run_safemig 0 backups.json --db "$DB" --dir "$D" backups --json
tables=$(json_query backups.json "SELECT group_concat(json_extract(t.value, '\$.backup_table'), ' ')
  FROM j, json_each(j.value, '\$.tables') AS t
  WHERE json_extract(t.value, '\$.table') = 'b' AND json_extract(t.value, '\$.direction') = 'down'
    AND json_extract(t.value, '\$.holds_removed_data')")
[[ $(wc -w <<<"$tables") -eq 3 ]] || { cat backups.json >&2; fail "backups --json does not list three kept copies of b: $tables"; }
union=""
for t in $tables; do union+="${union:+ UNION }SELECT id FROM \"$t\""; done
[[ $("$SQLITE3" "$DB" "SELECT count(*) FROM ($union)") == 300 ]] || fail "the listed backup tables do not hold all 300 rows"
pass "all 300 rows ever inserted are in the 3 listed backup tables: $tables"
run_safemig 0 prune.out --db "$DB" --dir "$D" prune --keep 1
[[ $("$SQLITE3" "$DB" "SELECT count(*) FROM ($union)") == 300 ]] || fail "prune --keep 1 dropped kept rows"
pass "prune --keep 1 keeps them"

# ---------------------------------------------------------------------------------------------
echo "== 2. taking over from golang-migrate"
G=$WORK/golang
mkdir -p "$G"
echo 'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);' >"$G/000001_users.up.sql"
echo 'DROP TABLE users;' >"$G/000001_users.down.sql"
echo 'CREATE INDEX users_name ON users(name);' >"$G/000002_users_name.up.sql"
echo 'DROP INDEX users_name;' >"$G/000002_users_name.down.sql"
echo 'ALTER TABLE users ADD COLUMN email TEXT;' >"$G/000003_email.up.sql"
echo 'ALTER TABLE users DROP COLUMN email;' >"$G/000003_email.down.sql"
make_golang_db() {  # DB DIRTY: what golang-migrate leaves after applying 1 and 2.
  rm -f "$1"
  "$SQLITE3" "$1" "$(cat "$G/000001_users.up.sql" "$G/000002_users_name.up.sql")
    CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
    CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);
    INSERT INTO schema_migrations (version, dirty) VALUES (2, $2);
    INSERT INTO users(name) VALUES ('ada'), ('grace');"
}
GDB=$WORK/golang.db
make_golang_db "$GDB" 0
run_safemig 0 status.out --db "$GDB" --dir "$G" status
grep -qx "version: 2" status.out || { cat status.out >&2; fail "status does not read version 2 from schema_migrations"; }
grep -q "^history: golang-migrate" status.out || { cat status.out >&2; fail "status does not name golang-migrate's history"; }
pass "status reads golang-migrate's version 2"
run_safemig 0 migrate.out --db "$GDB" --dir "$G" migrate
grep -q "applied V3 email" migrate.out || { cat migrate.out >&2; fail "migrate did not apply V3"; }
grep -q "applied V1\|applied V2" migrate.out && { cat migrate.out >&2; fail "migrate ran steps golang-migrate had applied"; }
[[ $("$SQLITE3" "$GDB" 'SELECT count(*) FROM users') == 2 ]] || fail "rows were lost"
run_safemig 0 history.json --db "$GDB" --dir "$G" history --json
[[ $(json_query history.json "SELECT count(*) FROM j, json_each(j.value)") == 3 ]] || { cat history.json >&2; fail "history does not hold V1, V2 (taken over) and V3"; }
pass "migrate ran only V3; history records V1 and V2 as taken over"
make_golang_db "$GDB" 1
before=$(dump "$GDB")
run_safemig 3 dirty.out --db "$GDB" --dir "$G" migrate
grep -qi "dirty\|failed run" dirty.out || { cat dirty.out >&2; fail "a dirty golang-migrate state is not reported"; }
[[ $(dump "$GDB") == "$before" ]] || fail "migrate changed a dirty database"
pass "a dirty golang-migrate database is refused (exit 3) and left as it was"

# ---------------------------------------------------------------------------------------------
echo "== 3. taking over from Diesel"
E=$WORK/diesel
mkdir -p "$E/2024-01-01-000000_users" "$E/2024-02-01-000000_posts" "$E/2024-03-01-000000_tags"
echo 'CREATE TABLE users(id INTEGER PRIMARY KEY);' >"$E/2024-01-01-000000_users/up.sql"
echo 'DROP TABLE users;' >"$E/2024-01-01-000000_users/down.sql"
echo 'CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));' >"$E/2024-02-01-000000_posts/up.sql"
echo 'DROP TABLE posts;' >"$E/2024-02-01-000000_posts/down.sql"
echo 'CREATE TABLE tags(id INTEGER PRIMARY KEY);' >"$E/2024-03-01-000000_tags/up.sql"
echo 'DROP TABLE tags;' >"$E/2024-03-01-000000_tags/down.sql"
EDB=$WORK/diesel.db
"$SQLITE3" "$EDB" "$(cat "$E/2024-01-01-000000_users/up.sql" "$E/2024-02-01-000000_posts/up.sql")
  CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
    version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
  INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000'), ('20240201000000');"
run_safemig 0 migrate.out --db "$EDB" --dir "$E" migrate
grep -q "applied V20240301000000 tags" migrate.out || { cat migrate.out >&2; fail "migrate did not apply the tags step"; }
grep -c "^applied" migrate.out | grep -qx 1 || { cat migrate.out >&2; fail "migrate ran steps Diesel had applied"; }
pass "migrate ran only the step after Diesel's"

# ---------------------------------------------------------------------------------------------
echo "== 4. a step merged below the applied ones"
O=$WORK/merged
mkdir -p "$O"
echo 'CREATE TABLE one(x);' >"$O/20240101000000_one.up.sql"
echo 'CREATE TABLE three(x);' >"$O/20240301000000_three.up.sql"
ODB=$WORK/merged.db
run_safemig 0 migrate.out --db "$ODB" --dir "$O" migrate
echo 'CREATE TABLE two(x);' >"$O/20240201000000_two.up.sql"
run_safemig 3 refused.out --db "$ODB" --dir "$O" migrate
grep -q "V20240201000000 two is not applied" refused.out || { cat refused.out >&2; fail "the merged step is not reported"; }
grep -q "hint: 'safemig migrate --out-of-order' runs the steps below the applied ones" refused.out ||
  { cat refused.out >&2; fail "the refusal does not point at --out-of-order"; }
run_safemig 0 ooo.out --db "$ODB" --dir "$O" migrate --out-of-order
grep -q "applied V20240201000000 two" ooo.out || { cat ooo.out >&2; fail "--out-of-order did not apply the merged step"; }
run_safemig 0 status.out --db "$ODB" --dir "$O" status
grep -qx "version: 20240301000000" status.out || { cat status.out >&2; fail "the version moved"; }
pass "refused by default (exit 3), applied by --out-of-order, version stays 20240301000000"

# ---------------------------------------------------------------------------------------------
echo "== 5. baseline of an existing database"
BDB=$WORK/existing.db
"$SQLITE3" "$BDB" "$(cat "$G/000001_users.up.sql" "$G/000002_users_name.up.sql") INSERT INTO users(name) VALUES ('ada');"
run_safemig 1 differs.out --db "$BDB" --dir "$G" baseline --version 3
grep -q "email" differs.out || { cat differs.out >&2; fail "baseline at the wrong version does not name the difference"; }
run_safemig 0 baseline.out --db "$BDB" --dir "$G" baseline --version 2
run_safemig 0 migrate.out --db "$BDB" --dir "$G" migrate
grep -c "^applied" migrate.out | grep -qx 1 || { cat migrate.out >&2; fail "migrate after baseline ran more than V3"; }
pass "baseline refuses a schema that differs, records V1-V2, and migrate runs V3 only"
echo "all nothing-lost scenarios passed"
