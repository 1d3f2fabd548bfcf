// Implements safemig/backup/backup_tables.h; the contract and the thread-safety rule are stated
// there.
#include "safemig/backup/backup_tables.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "safemig/db/transaction.h"
#include "safemig/utc_time.h"

namespace safemig::backup {
namespace {

constexpr std::string_view kRegistry = "_safemig_backup_tables";

// Copies recorded by earlier releases lack the last four columns; their defaults describe them
// (holds_removed_data 1: unknown, so kept).
constexpr std::string_view kCreateRegistry =
    "CREATE TABLE IF NOT EXISTS _safemig_backup_tables ("
    "version INTEGER NOT NULL, "
    "table_name TEXT NOT NULL, "
    "backup_table TEXT NOT NULL PRIMARY KEY, "
    "row_count INTEGER NOT NULL, "
    "created_at TEXT NOT NULL, "
    "step TEXT NOT NULL DEFAULT '', "
    "direction TEXT NOT NULL DEFAULT '', "
    "run TEXT NOT NULL DEFAULT '', "
    "holds_removed_data INTEGER NOT NULL DEFAULT 1)";

struct AddedColumn {
  std::string_view name;
  std::string_view definition;
};
constexpr AddedColumn kAddedColumns[] = {
    {"step", "step TEXT NOT NULL DEFAULT ''"},
    {"direction", "direction TEXT NOT NULL DEFAULT ''"},
    {"run", "run TEXT NOT NULL DEFAULT ''"},
    {"holds_removed_data", "holds_removed_data INTEGER NOT NULL DEFAULT 1"},
};

constexpr std::string_view kColumns =
    "version, table_name, backup_table, row_count, created_at, step, direction, run, "
    "holds_removed_data";

Result<bool> table_exists(db::Connection& conn, std::string_view table) {
  const std::string name(table);
  if (conn.dialect() == db::Dialect::sqlite) {
    SAFEMIG_TRY(auto rows, conn.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                      "name = ?",
                                      {db::Value(name)}));
    return !rows.empty();
  }
  SAFEMIG_TRY(auto rows, conn.query("SELECT 1 FROM information_schema.tables WHERE "
                                    "table_schema = current_schema() AND table_name = $1",
                                    {db::Value(name)}));
  return !rows.empty();
}

std::string now_sql(db::Dialect dialect) {
  return dialect == db::Dialect::sqlite
             ? "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
             : "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string placeholder(db::Dialect dialect, int n) {
  return dialect == db::Dialect::sqlite ? "?" : "$" + std::to_string(n);
}

// Creates the registry, or adds the columns a registry of an earlier release lacks.
Result<void> ensure_registry(db::Connection& conn) {
  SAFEMIG_TRY_VOID(conn.execute(kCreateRegistry));
  if (conn.dialect() != db::Dialect::sqlite) {
    for (const AddedColumn& column : kAddedColumns) {
      SAFEMIG_TRY_VOID(conn.execute("ALTER TABLE _safemig_backup_tables ADD COLUMN IF NOT EXISTS " +
                                    std::string(column.definition)));
    }
    return {};
  }
  SAFEMIG_TRY(auto rows,
              conn.query("SELECT name FROM pragma_table_info('_safemig_backup_tables')"));
  std::set<std::string> present;
  for (const db::Row& row : rows) present.insert(row.text(0));
  for (const AddedColumn& column : kAddedColumns) {
    if (present.contains(std::string(column.name))) continue;
    SAFEMIG_TRY_VOID(conn.execute("ALTER TABLE _safemig_backup_tables ADD COLUMN " +
                                  std::string(column.definition)));
  }
  return {};
}

// The first name "_safemig_backup_v<N>_<table>_<run>[_<n>]" that is neither a table nor recorded.
Result<std::string> free_backup_name(db::Connection& conn, const BackupTableOrigin& origin,
                                     const std::string& table) {
  const std::string base =
      "_safemig_backup_v" + std::to_string(origin.version) + "_" + table + "_" + origin.run;
  for (int n = 1;; ++n) {
    std::string name = n == 1 ? base : base + "_" + std::to_string(n);
    SAFEMIG_TRY(bool exists, table_exists(conn, name));
    if (exists) continue;
    SAFEMIG_TRY(std::int64_t recorded,
                conn.query_int("SELECT count(*) FROM _safemig_backup_tables WHERE backup_table = " +
                                   placeholder(conn.dialect(), 1),
                               {db::Value(name)}));
    if (recorded == 0) return name;
  }
}

BackupTableInfo info_from_row(const db::Row& row) {
  BackupTableInfo info;
  info.version = row.int64(0);
  info.table = row.text(1);
  info.backup_table = row.text(2);
  info.row_count = row.int64(3);
  info.created_at = row.text(4);
  info.step = row.text(5);
  info.direction = row.text(6);
  info.run = row.text(7);
  info.holds_removed_data = row.int64(8) != 0;
  return info;
}

// Retention counts runs; copies recorded before runs were recorded count one run per version.
std::string run_key(const BackupTableInfo& info) {
  return info.run.empty() ? "v" + std::to_string(info.version) : info.run;
}

}  // namespace

std::string new_backup_run() {
  const auto now = std::chrono::system_clock::now();
  return format_utc_time(now, "%Y%m%dT%H%M%S") + millisecond_digits(now);
}

Result<BackupTableInfo> create_backup_table(db::Connection& conn, const BackupTableOrigin& origin,
                                            const std::string& table) {
  if (origin.version < 0) {
    return fail(ErrorCode::invalid_input,
                "backup table version must be >= 0, got " + std::to_string(origin.version));
  }
  SAFEMIG_TRY(bool exists, table_exists(conn, table));
  if (!exists) {
    return fail(ErrorCode::not_found, "cannot back up table '" + table +
                                          "': it does not exist; check the step's touched "
                                          "tables");
  }
  BackupTableOrigin named = origin;
  if (named.run.empty()) named.run = new_backup_run();
  const db::Dialect dialect = conn.dialect();
  SAFEMIG_TRY(db::Savepoint savepoint, db::Savepoint::begin(conn, "safemig_backup_table"));
  SAFEMIG_TRY_VOID(ensure_registry(conn));
  SAFEMIG_TRY(std::string backup, free_backup_name(conn, named, table));
  SAFEMIG_TRY_VOID(conn.execute("CREATE TABLE " + db::quote_identifier(backup) +
                                " AS SELECT * FROM " + db::quote_identifier(table)));
  SAFEMIG_TRY(std::int64_t rows,
              conn.query_int("SELECT count(*) FROM " + db::quote_identifier(backup)));
  std::string values;
  for (int i = 1; i <= 8; ++i) values += placeholder(dialect, i) + ", ";
  SAFEMIG_TRY_VOID(conn.execute(
      "INSERT INTO _safemig_backup_tables (version, table_name, backup_table, row_count, step, "
      "direction, run, holds_removed_data, created_at) VALUES (" +
          values + now_sql(dialect) + ")",
      {db::Value(origin.version), db::Value(table), db::Value(backup), db::Value(rows),
       db::Value(named.step), db::Value(named.direction), db::Value(named.run),
       db::Value(std::int64_t{0})}));
  SAFEMIG_TRY(db::Row created,
              conn.query_one("SELECT " + std::string(kColumns) +
                                 " FROM _safemig_backup_tables WHERE backup_table = " +
                                 placeholder(dialect, 1),
                             {db::Value(backup)}));
  SAFEMIG_TRY_VOID(savepoint.release());
  spdlog::info("backed up table {} as {} ({} rows)", table, backup, rows);
  return info_from_row(created);
}

Result<void> mark_holds_removed_data(db::Connection& conn, const std::string& backup_table) {
  SAFEMIG_TRY(bool exists, table_exists(conn, kRegistry));
  if (exists) {
    SAFEMIG_TRY_VOID(conn.execute(
        "UPDATE _safemig_backup_tables SET holds_removed_data = 1 WHERE backup_table = " +
            placeholder(conn.dialect(), 1),
        {db::Value(backup_table)}));
    if (conn.changes() > 0) return {};
  }
  return fail(ErrorCode::not_found, "'" + backup_table + "' is not a recorded backup table");
}

Result<std::vector<BackupTableInfo>> list_backup_tables(db::Connection& conn) {
  SAFEMIG_TRY(bool exists, table_exists(conn, kRegistry));
  std::vector<BackupTableInfo> out;
  if (!exists) return out;
  if (!conn.read_only()) SAFEMIG_TRY_VOID(ensure_registry(conn));
  std::int64_t columns = 1;
  if (conn.dialect() == db::Dialect::sqlite) {
    SAFEMIG_TRY(columns,
                conn.query_int("SELECT count(*) FROM pragma_table_info('_safemig_backup_tables') "
                               "WHERE name = 'holds_removed_data'"));
  }
  // A registry of an earlier release read through a read-only connection: its defaults.
  const std::string select =
      columns > 0 ? std::string(kColumns)
                  : "version, table_name, backup_table, row_count, created_at, '', '', '', 1";
  SAFEMIG_TRY(auto rows, conn.query("SELECT " + select +
                                    " FROM _safemig_backup_tables "
                                    "ORDER BY run = '', run DESC, version DESC, table_name"));
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(info_from_row(row));
  return out;
}

Result<std::vector<std::string>> prune_backup_tables(db::Connection& conn, int keep_runs) {
  if (keep_runs < 0) {
    return fail(
        ErrorCode::invalid_input,
        "the number of backup-table runs to keep must be >= 0, got " + std::to_string(keep_runs));
  }
  SAFEMIG_TRY(std::vector<BackupTableInfo> tables, list_backup_tables(conn));
  std::vector<std::string> dropped;
  if (tables.empty()) return dropped;
  const db::Dialect dialect = conn.dialect();
  SAFEMIG_TRY(db::Savepoint savepoint, db::Savepoint::begin(conn, "safemig_prune_backup_tables"));
  std::set<std::string> runs_seen;
  for (const auto& info : tables) {  // Newest first.
    runs_seen.insert(run_key(info));
    if (static_cast<int>(runs_seen.size()) <= keep_runs || info.holds_removed_data) continue;
    SAFEMIG_TRY_VOID(
        conn.execute("DROP TABLE IF EXISTS " + db::quote_identifier(info.backup_table)));
    SAFEMIG_TRY_VOID(conn.execute(
        "DELETE FROM _safemig_backup_tables WHERE backup_table = " + placeholder(dialect, 1),
        {db::Value(info.backup_table)}));
    dropped.push_back(info.backup_table);
  }
  SAFEMIG_TRY_VOID(savepoint.release());
  for (const auto& name : dropped) spdlog::info("dropped backup table {}", name);
  return dropped;
}

Result<BackupTableInfo> drop_backup_table(db::Connection& conn, const std::string& backup_table) {
  SAFEMIG_TRY(std::vector<BackupTableInfo> tables, list_backup_tables(conn));
  for (const BackupTableInfo& info : tables) {
    if (info.backup_table != backup_table) continue;
    SAFEMIG_TRY(db::Savepoint savepoint, db::Savepoint::begin(conn, "safemig_drop_backup_table"));
    SAFEMIG_TRY_VOID(conn.execute("DROP TABLE IF EXISTS " + db::quote_identifier(backup_table)));
    SAFEMIG_TRY_VOID(conn.execute(
        "DELETE FROM _safemig_backup_tables WHERE backup_table = " + placeholder(conn.dialect(), 1),
        {db::Value(backup_table)}));
    SAFEMIG_TRY_VOID(savepoint.release());
    spdlog::info("dropped backup table {} ({} rows of {})", backup_table, info.row_count,
                 info.table);
    return info;
  }
  return fail(ErrorCode::not_found,
              "'" + backup_table +
                  "' is not a backup table safemig made; 'safemig backups' lists them, and "
                  "nothing else is ever dropped");
}

}  // namespace safemig::backup
