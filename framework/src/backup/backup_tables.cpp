// Implements safemig/backup/backup_tables.h; the contract and the thread-safety rule are stated
// there.
#include "safemig/backup/backup_tables.h"

#include <spdlog/spdlog.h>

#include "safemig/db/transaction.h"

namespace safemig::backup {
namespace {

constexpr std::string_view kRegistry = "_safemig_backup_tables";

constexpr std::string_view kCreateRegistry =
    "CREATE TABLE IF NOT EXISTS _safemig_backup_tables ("
    "version INTEGER NOT NULL, "
    "table_name TEXT NOT NULL, "
    "backup_table TEXT NOT NULL PRIMARY KEY, "
    "row_count INTEGER NOT NULL, "
    "created_at TEXT NOT NULL)";

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

}  // namespace

std::string backup_table_name(int version, const std::string& table) {
  return "_safemig_backup_v" + std::to_string(version) + "_" + table;
}

Result<BackupTableInfo> create_backup_table(db::Connection& conn, int version,
                                            const std::string& table) {
  if (version < 0) {
    return fail(ErrorCode::invalid_input,
                "backup table version must be >= 0, got " + std::to_string(version));
  }
  SAFEMIG_TRY(bool exists, table_exists(conn, table));
  if (!exists) {
    return fail(ErrorCode::not_found, "cannot back up table '" + table +
                                          "': it does not exist; check the step's touched "
                                          "tables");
  }
  const std::string backup = backup_table_name(version, table);
  const db::Dialect dialect = conn.dialect();
  SAFEMIG_TRY(db::Savepoint savepoint, db::Savepoint::begin(conn, "safemig_backup_table"));
  SAFEMIG_TRY_VOID(conn.execute(kCreateRegistry));
  SAFEMIG_TRY_VOID(conn.execute("DROP TABLE IF EXISTS " + db::quote_identifier(backup)));
  SAFEMIG_TRY_VOID(conn.execute("CREATE TABLE " + db::quote_identifier(backup) +
                                " AS SELECT * FROM " + db::quote_identifier(table)));
  SAFEMIG_TRY(std::int64_t rows,
              conn.query_int("SELECT count(*) FROM " + db::quote_identifier(backup)));
  SAFEMIG_TRY_VOID(conn.execute(
      "DELETE FROM _safemig_backup_tables WHERE backup_table = " + placeholder(dialect, 1),
      {db::Value(backup)}));
  SAFEMIG_TRY_VOID(conn.execute(
      "INSERT INTO _safemig_backup_tables (version, table_name, backup_table, row_count, "
      "created_at) VALUES (" +
          placeholder(dialect, 1) + ", " + placeholder(dialect, 2) + ", " +
          placeholder(dialect, 3) + ", " + placeholder(dialect, 4) + ", " + now_sql(dialect) + ")",
      {db::Value(std::int64_t{version}), db::Value(table), db::Value(backup), db::Value(rows)}));
  SAFEMIG_TRY(db::Row created, conn.query_one("SELECT created_at FROM _safemig_backup_tables "
                                              "WHERE backup_table = " +
                                                  placeholder(dialect, 1),
                                              {db::Value(backup)}));
  SAFEMIG_TRY_VOID(savepoint.release());
  spdlog::info("backed up table {} as {} ({} rows)", table, backup, rows);
  return BackupTableInfo{version, table, backup, rows, created.text(0)};
}

Result<std::vector<BackupTableInfo>> list_backup_tables(db::Connection& conn) {
  SAFEMIG_TRY(bool exists, table_exists(conn, kRegistry));
  std::vector<BackupTableInfo> out;
  if (!exists) return out;
  SAFEMIG_TRY(auto rows, conn.query("SELECT version, table_name, backup_table, row_count, "
                                    "created_at FROM _safemig_backup_tables "
                                    "ORDER BY version DESC, table_name"));
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back(BackupTableInfo{static_cast<int>(row.int64(0)), row.text(1), row.text(2),
                                  row.int64(3), row.text(4)});
  }
  return out;
}

Result<std::vector<std::string>> prune_backup_tables(db::Connection& conn, int keep_versions) {
  if (keep_versions < 0) {
    return fail(ErrorCode::invalid_input,
                "the number of backup-table versions to keep must be "
                ">= 0, got " +
                    std::to_string(keep_versions));
  }
  SAFEMIG_TRY(std::vector<BackupTableInfo> tables, list_backup_tables(conn));
  std::vector<std::string> dropped;
  if (tables.empty()) return dropped;
  const db::Dialect dialect = conn.dialect();
  SAFEMIG_TRY(db::Savepoint savepoint, db::Savepoint::begin(conn, "safemig_prune_backup_tables"));
  int versions_seen = 0;
  int last_version = -1;
  for (const auto& info : tables) {  // Newest version first.
    if (info.version != last_version) {
      ++versions_seen;
      last_version = info.version;
    }
    if (versions_seen <= keep_versions) continue;
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

}  // namespace safemig::backup
