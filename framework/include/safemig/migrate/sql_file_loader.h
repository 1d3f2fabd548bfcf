// SQL-file migrations: a directory of SQL files read as a MigrationSet, exactly as the tool
// that wrote it reads it (versions, order, no-op files).
//
// Layouts (one per directory; a mix is refused) and where their rules come from:
//   Flyway          V<n>__<name>.sql, U<n>__<name>.sql undoes it (flyway MigrationVersion).
//                   V1.0 is V1 (Flyway drops trailing zero parts); V1.1 is refused: a dotted
//                   version has no faithful single 64-bit number. R__<name>.sql is a
//                   repeatable step (MigrationSet::repeatables(), ordered by name as Flyway
//                   orders descriptions), read with the same directives as an up file.
//   golang-migrate  <n>_<name>.up.sql, <n>_<name>.down.sql; n >= 0 (source/parse.go).
//   sqlx            <n>_<name>.sql (up only), or .up.sql/.down.sql (migrate/source.rs); a file
//                   starting with "-- no-transaction" runs outside a transaction.
//   goose           <n>_<name>.sql, n >= 1, with -- +goose Up / Down sections,
//                   StatementBegin/End, NO TRANSACTION (NumericComponent, sqlparser). Go
//                   migrations (<n>_<name>.go) are reported: they are not SQL.
//   dbmate          <digits><anything>.sql (version = the leading digits, order = file name)
//                   with -- migrate:up and -- migrate:down sections; transaction:false.
//   Diesel          folders <version>_<name>/ holding up.sql and optionally down.sql and
//                   metadata.toml (run_in_transaction = false); version = the folder name up to
//                   the first '_' without '-', ordered as text; the step's name is the rest.
// Versions are stored as 64-bit numbers (0 is a version). Where the tool orders versions as text
// (Diesel, dbmate), a directory whose text order differs from the numeric order (versions of
// different lengths) or whose versions are not all digits is refused.
//
// Detection: .up.sql/.down.sql pairs are golang-migrate unless a file starts with sqlx's
// "-- no-transaction" or plain <n>_<name>.sql files sit beside them (sqlx); a plain
// <n>_<name>.sql is goose when the directory's files carry "-- +goose" annotations, dbmate when
// they carry "-- migrate:up", and sqlx otherwise. Hidden entries and files not ending in ".sql"
// are ignored (subdirectories too, except in Diesel's layout); every other .sql file must be a
// well-formed migration of the directory's layout.
//
// Empty and comment-only files or sections are steps that change nothing, as the tools run
// them. (Diesel's embedded migrations run an empty up.sql; its CLI refuses a 0-byte one.)
//
// Directives, in the comment lines at the top of an up or a down script (file or section):
//   -- safemig:no-transaction   run the step outside a transaction (repaired from the file
//                               backup); also implied by the tool's own no-transaction options
//   -- safemig:touches a, b     also back up and row-check tables a and b in that direction
//   -- safemig:rows-change      that direction changes row counts (RowPolicy::declared_change)
//   -- safemig:verify <query>   up only: a query whose first value must be true after the step
// Unknown directives, and directives anywhere else, are errors: a typo must not silently turn
// a safety off.
//
// Touched tables are inferred for each direction from its own SQL (touched_tables from up,
// down_touched_tables from down): ALTER TABLE, DROP TABLE, INSERT/REPLACE INTO, UPDATE, DELETE
// FROM; tables the script itself creates are left out. A DROP TABLE in either script marks the
// step as a table rebuild.
//
// Thread safety: the functions share no state; concurrent calls on the same directory see the
// file system as it is at each read.
#pragma once

#include <string>

#include "safemig/error.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate {

// Loads every migration in `dir`; layout() names the layout ("Flyway", "golang-migrate",
// "goose", "dbmate", "sqlx", "Diesel"; empty for a directory without migrations). Each step's
// up/down are its scripts' texts. Its definition (checksum) is the up file's text without a
// byte order mark and with LF line ends (the whole file for goose and dbmate);
// earlier_checksums keeps the raw-bytes forms earlier releases recorded, so checksums of
// applied Flyway and golang-migrate steps do not change. expected_schema is read from
// V<n>.schema.json snapshots.
// Errors: not_found (no such directory), invalid_input (not a directory), io (the directory
// cannot be read). Problems with files are all reported in one error: a single problem as it
// is; several listed one per line under the first problem's code — not_found (a Diesel folder
// without up.sql; a .sql entry that is not a regular file), invalid_input (malformed or
// duplicate names, an undo without its migration, mixed layouts, text/numeric order conflicts,
// bad sections or directives, unterminated strings, comments or triggers, a transaction
// statement in a transactional step), io (an unreadable file). Each names the file and says
// what is expected in the directory's layout.
Result<MigrationSet> load_sql_directory(const std::string& dir);

// Creates a new migration named `name` in `dir` in the directory's layout and returns the path
// of its up file: Flyway V<n>__<name>.sql (also for an empty directory); golang-migrate
// <n>_<name>.up.sql + .down.sql; sqlx <n>_<name>.sql (or .up/.down when the directory uses
// them); goose and dbmate <n>_<name>.sql with the tool's section template; Diesel
// <YYYY-MM-DD-HHMMSS>_<name>/up.sql + down.sql. n is one more than the highest version
// (zero-padded like it), or the UTC time YYYYMMDDHHMMSS where the layout or the highest version
// uses timestamps.
// Errors: not_found (no such directory), invalid_input (a malformed name; a directory with
// problems; no later version fits), io (a file exists already or cannot be written; an
// existing file is never overwritten).
Result<std::string> new_migration_file(const std::string& dir, const std::string& name);

}  // namespace safemig::migrate
