// Foreign history: the history table another migration tool keeps, read so that safemig can take
// over a database that tool migrated.
//
// Recognised tables (SQLite; each tool's default name, which ForeignHistoryTables can change):
//   Diesel          __diesel_schema_migrations(version VARCHAR(50) PRIMARY KEY NOT NULL, run_on)
//                   One row per applied migration, deleted when it is reverted. The version is the
//                   folder name up to the first '_' with '-' removed ("20240313170000").
//   golang-migrate  schema_migrations(version uint64, dirty bool)
//                   At most one row: the current version. Every migration up to it is applied.
//                   dirty = a run of that version failed part-way. No row: nothing applied.
//   goose           goose_db_version(id, version_id, is_applied, tstamp)
//                   An append-only log; the latest row (highest id) per version_id decides
//                   (is_applied false = rolled back; newer goose deletes the rows instead).
//                   version_id 0 is the row goose writes when it creates the table, not a
//                   migration.
//   dbmate          schema_migrations(version varchar(128) primary key)
//                   One row per applied version, deleted on rollback.
//   Flyway          flyway_schema_history(installed_rank, version, description, type, script,
//                   checksum, installed_by, installed_on, execution_time, success)
//                   Read in installed_rank order: a successful versioned row applies its version;
//                   type BASELINE (or <kind>_BASELINE) marks every version up to it as applied;
//                   UNDO_<kind> and DELETE rows take their version back; SCHEMA rows are Flyway's
//                   own marker; repeatable rows (no version) are not steps and are not taken
//                   over. A row with success = false is a failed migration (dirty).
// golang-migrate and dbmate share the name schema_migrations and are told apart by its columns.
//
// Thread safety: functions use the given connection only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/version.h"

namespace safemig::migrate {

class MigrationSet;

// The names under which each tool's history table is looked for. golang-migrate and dbmate may
// share one name: the table's columns decide which tool wrote it.
struct ForeignHistoryTables {
  std::string diesel = "__diesel_schema_migrations";
  std::string golang_migrate = "schema_migrations";
  std::string goose = "goose_db_version";
  std::string dbmate = "schema_migrations";
  std::string flyway = "flyway_schema_history";
};

enum class ForeignTool { diesel, golang_migrate, goose, dbmate, flyway };
// "Diesel", "golang-migrate", "goose", "dbmate", "Flyway".
std::string_view to_string(ForeignTool tool);

// A table of `conn` whose name and columns are those of a tool's history table.
struct ForeignHistoryTable {
  ForeignTool tool = ForeignTool::diesel;
  std::string table;
};

// The tables of `conn` (SQLite) that are a tool's history table, by name and exact column set,
// in the order of ForeignHistoryTables. A table with one of the names but other columns is not
// listed (it is the application's own, or unknown). These are the tables baseline leaves out of
// its schema comparison. Errors: invalid_input when the connection is not SQLite; the
// connection's error otherwise.
Result<std::vector<ForeignHistoryTable>> find_foreign_history_tables(
    db::Connection& conn, const ForeignHistoryTables& tables = {});

struct ForeignHistory {
  ForeignTool tool = ForeignTool::diesel;
  std::string table;  // The table it was read from.
  // Versions the tool records one by one as applied: ascending, unique.
  std::vector<Version> applied;
  // Every step whose version is <= this one is applied, whichever steps a set has: the current
  // version of golang-migrate (which records nothing else), or a Flyway baseline. Use
  // applied_versions() to turn it into versions of a MigrationSet.
  std::optional<Version> applied_up_to;
  // The tool recorded a run that failed part-way: the schema may be half changed, and nothing
  // may be migrated or recorded until a person has repaired it (dirty_message() says how).
  bool dirty = false;
  // The version whose run failed, when the tool names one (golang-migrate's dirty version,
  // Flyway's failed versioned row).
  std::optional<Version> dirty_version;
  // What the tool recorded about the failure, e.g. "schema_migrations: version 3, dirty = true".
  std::string dirty_detail;
  // The text of each version a tool records as text and compares as text (Diesel's, kept as
  // text_order_key of it), as the tool wrote it.
  std::map<Version, std::string> version_names;

  // One line for people: "golang-migrate (table schema_migrations): every version up to 3".
  std::string describe() const;
  // `version` as the tool wrote it: its entry in version_names, else its number.
  std::string shown_version(Version version) const;
  // Empty when not dirty; otherwise what happened and what a person must do before safemig may
  // take the database over.
  std::string dirty_message() const;
};

// Looks for the history table of a known tool in the main database of `conn` (SQLite) and reads
// it.
// Returns nullopt when there is none. Errors: invalid_input when the connection is not SQLite, a
// table with one of the names exists but has the columns of none of the tools (the message names
// the columns found), or a recorded version is not a whole number that fits 64 bits (Flyway's
// "1.1": safemig's versions are integers); corrupt when a tool's table holds what that tool never
// writes (two rows in golang-migrate's table, a NULL version or flag); failed_precondition
// when tables of two tools exist (a person must decide which one is current); the connection's
// error otherwise. A dirty history is returned (dirty = true), never an error: the caller refuses
// to migrate and shows dirty_message().
Result<std::optional<ForeignHistory>> read_foreign_history(db::Connection& conn,
                                                           const ForeignHistoryTables& tables = {});

// The versions of `set` that `history` says are applied, ascending: its `applied` versions
// and every step of `set` up to `applied_up_to`. Versions in `applied` that `set` lacks are kept
// (missing_versions() names them).
std::vector<Version> applied_versions(const ForeignHistory& history, const MigrationSet& set);

// Versions `history` records as applied that `set` has no step for, ascending; plus
// applied_up_to when the tool is golang-migrate and `set` lacks that step (golang-migrate itself
// needs the file of its current version). A Flyway baseline version needs no step.
std::vector<Version> missing_versions(const ForeignHistory& history, const MigrationSet& set);

}  // namespace safemig::migrate
