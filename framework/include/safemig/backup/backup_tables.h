// Backup tables: an in-database copy of a table taken before a migration step touches it.
//
// A backup of table T for version N is the table "_safemig_backup_v<N>_<T>" created with
// CREATE TABLE ... AS SELECT * FROM T, recorded with its row count in
// _safemig_backup_tables(version, table_name, backup_table, row_count, created_at).
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

struct BackupTableInfo {
  int version = 0;
  std::string table;         // The table backed up.
  std::string backup_table;  // "_safemig_backup_v<N>_<table>".
  std::int64_t row_count = 0;
  std::string created_at;  // UTC, ISO-8601 ("2024-05-01T12:00:00.000Z").
};

// Name of the backup table of `table` for `version`.
std::string backup_table_name(int version, const std::string& table);

// Copies `table` into its backup table for `version`, replacing an earlier backup table of the
// same version and table (a retried step), and records it.
// On success returns the record, whose row_count equals the rows of `table` now.
// On failure: not_found (no such table), invalid_input (version < 0), or the engine's error.
Result<BackupTableInfo> create_backup_table(db::Connection& conn, int version,
                                            const std::string& table);

// All recorded backup tables, newest version first, then by table name. Empty when none exist.
Result<std::vector<BackupTableInfo>> list_backup_tables(db::Connection& conn);

// Drops the backup tables (and their records) of all but the newest `keep_versions` versions.
// REQUIRES: keep_versions >= 0, else invalid_input. Returns the dropped backup table names.
Result<std::vector<std::string>> prune_backup_tables(db::Connection& conn, int keep_versions);

}  // namespace safemig::backup
