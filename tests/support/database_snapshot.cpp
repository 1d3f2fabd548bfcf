#include "support/database_snapshot.h"

#include "safemig/db/connection.h"
#include "safemig/db/sqlite_connection.h"

namespace safemig::testing {

namespace {

std::string snapshot(const std::string& db_path, bool include_safemig) {
  db::SqliteOptions options;
  options.read_only = true;
  auto conn = db::open_sqlite(db_path, options);
  if (!conn) return "error: " + conn.error().describe();
  auto schema =
      (*conn)->query("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name");
  if (!schema) return "error: " + schema.error().describe();
  std::string out;
  for (const db::Row& row : *schema) {
    const bool own = row.text(1).rfind("_safemig_", 0) == 0 ||
                     row.text(1).rfind("sqlite_autoindex__safemig_", 0) == 0;
    if (own && !include_safemig) continue;
    out += row.text(0) + " " + row.text(1) + ": " + row.text(2) + "\n";
    if (row.text(0) != "table" || row.text(1).rfind("sqlite_", 0) == 0) continue;
    auto rows =
        (*conn)->query("SELECT * FROM " + db::quote_identifier(row.text(1)) + " ORDER BY 1");
    if (!rows) return "error: " + rows.error().describe();
    for (const db::Row& r : *rows) {
      out += "  (";
      for (std::size_t i = 0; i < r.size(); ++i) out += db::to_sql_literal(r.at(i)) + ",";
      out += ")\n";
    }
  }
  return out;
}

}  // namespace

std::string database_snapshot(const std::string& db_path) { return snapshot(db_path, true); }

std::string application_snapshot(const std::string& db_path) { return snapshot(db_path, false); }

long long count_rows(const std::string& db_path, const std::string& table) {
  db::SqliteOptions options;
  options.read_only = true;
  auto conn = db::open_sqlite(db_path, options);
  if (!conn) return -1;
  auto n = (*conn)->query_int("SELECT count(*) FROM " + db::quote_identifier(table));
  return n ? *n : -1;
}

}  // namespace safemig::testing
