// Backup tables: an in-database copy of a table taken before a migration step changes it.
//
// Every run of a step copies each table it changes into a table of its own,
// "_safemig_backup_v<N>_<table>_<run>" (N the database's version before the step, run the
// UTC time of the copy to the millisecond, "_2", "_3"… after it on a collision), created with
// CREATE TABLE … AS SELECT * FROM <table>. No later run overwrites it. Each copy is recorded in
// _safemig_backup_tables with its row count, the step and direction that made it and when.
//
// A copy that holds rows or values the step removed (an allowed data loss) is the last copy of
// that data: it is marked `holds_removed_data`, and retention never drops it; only
// drop_backup_table, naming it, does. Copies recorded by earlier releases, which did not say,
// are treated the same way.
//
// Each function runs inside a savepoint, so it is atomic on its own and, inside the caller's
// transaction, rolls back with it.
//
// Thread safety: a Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::backup {

// Who takes a backup table: one run of one step.
struct BackupTableOrigin {
  std::int64_t version = 0;  // The database's version before the step (>= 0).
  std::string step;          // "V2 create_b".
  std::string direction;     // "up" or "down".
  std::string run;           // Shared by the copies of one run: new_backup_run() once per run.
};

// A run identifier: the UTC time now to the millisecond, "20240501T120000123".
std::string new_backup_run();

struct BackupTableInfo {
  std::int64_t version = 0;
  std::string table;         // The table backed up.
  std::string backup_table;  // "_safemig_backup_v<N>_<table>_<run>".
  std::int64_t row_count = 0;
  std::string created_at;  // UTC, ISO-8601 ("2024-05-01T12:00:00.000Z").
  std::string step;        // Empty for copies recorded by earlier releases.
  std::string direction;   // "up", "down"; empty for copies recorded by earlier releases.
  std::string run;         // Groups the copies of one run; retention counts runs.
  bool holds_removed_data = false;
};

// Copies `table` into a new backup table of its own and records it. On success returns the
// record, whose row_count equals the rows of `table` now.
// On failure: not_found (no such table), invalid_input (version < 0), or the engine's error.
Result<BackupTableInfo> create_backup_table(db::Connection& conn, const BackupTableOrigin& origin,
                                            const std::string& table);

// Marks a recorded backup table as holding data no live table has any more.
// Errors: not_found when `backup_table` is not recorded.
Result<void> mark_holds_removed_data(db::Connection& conn, const std::string& backup_table);

// All recorded backup tables, newest run first (copies of earlier releases last, newest version
// first), then by table name. Empty when none exist.
Result<std::vector<BackupTableInfo>> list_backup_tables(db::Connection& conn);

// Drops the backup tables (and their records) of all but the newest `keep_runs` runs, except
// those that hold removed data. REQUIRES: keep_runs >= 0, else invalid_input. Returns the dropped
// backup table names.
Result<std::vector<std::string>> prune_backup_tables(db::Connection& conn, int keep_runs);

// Drops one recorded backup table, whatever it holds: the explicit command a person gives.
// Errors: not_found when `backup_table` is not a recorded backup table (nothing else is ever
// dropped).
Result<BackupTableInfo> drop_backup_table(db::Connection& conn, const std::string& backup_table);

}  // namespace safemig::backup
