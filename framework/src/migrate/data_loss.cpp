// Implements data_loss.h; the contract and the thread-safety rule are stated there.
#include "data_loss.h"

#include <algorithm>
#include <optional>

namespace safemig::migrate {
namespace {

Result<std::vector<std::string>> column_names(db::Connection& conn, const std::string& table) {
  SAFEMIG_TRY(auto rows,
              conn.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", {db::Value(table)}));
  std::vector<std::string> names;
  names.reserve(rows.size());
  for (const db::Row& row : rows) names.push_back(row.text(0));
  return names;
}

Result<std::int64_t> count_values(db::Connection& conn, const std::string& table,
                                  const std::string& column) {
  return conn.query_int("SELECT count(" + db::quote_identifier(column) + ") FROM " +
                        db::quote_identifier(table));
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The columns of the table `before` describes whose values `table_after` (its name now; the
// same table, or one that continues it) no longer holds: gone, and not renamed to a column the
// step added that holds at least as many values.
Result<std::vector<DataLoss>> lost_columns(db::Connection& conn, const std::string& table,
                                           const TableCensus& before,
                                           const std::string& table_after,
                                           const std::vector<std::string>& columns_after) {
  std::vector<DataLoss> losses;
  std::set<std::string> renamed_to;
  for (const std::string& column : before.columns) {
    if (has(columns_after, column)) continue;
    SAFEMIG_TRY(std::int64_t values, count_values(conn, before.copy, column));
    if (values == 0) continue;
    bool renamed = false;
    for (const std::string& added : columns_after) {
      if (has(before.columns, added) || renamed_to.contains(added)) continue;
      SAFEMIG_TRY(std::int64_t held, count_values(conn, table_after, added));
      if (held >= values) {
        renamed_to.insert(added);
        renamed = true;
        break;
      }
    }
    if (!renamed) losses.push_back({table, column, values});
  }
  return losses;
}

}  // namespace

std::string DataLoss::describe() const {
  if (column.empty()) {
    return "table " + table + ": " + std::to_string(count) + (count == 1 ? " row" : " rows");
  }
  return "column " + table + "." + column + ": " + std::to_string(count) +
         (count == 1 ? " value" : " values");
}

Result<std::set<std::string>> user_tables(db::Connection& conn) {
  SAFEMIG_TRY(auto rows, conn.query("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                    "AND name NOT LIKE '\\_safemig\\_%' ESCAPE '\\' "
                                    "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL %'"));
  std::set<std::string> names;
  for (const db::Row& row : rows) names.insert(row.text(0));
  return names;
}

Result<std::vector<std::string>> with_dependent_tables(db::Connection& conn,
                                                       const std::vector<std::string>& tables) {
  SAFEMIG_TRY(std::set<std::string> existing, user_tables(conn));
  std::set<std::string> chosen;
  std::vector<std::string> pending;
  for (const std::string& table : tables) {
    if (existing.contains(table) && chosen.insert(table).second) pending.push_back(table);
  }
  while (!pending.empty()) {
    const std::string parent = pending.back();
    pending.pop_back();
    for (const std::string& child : existing) {
      if (chosen.contains(child)) continue;
      SAFEMIG_TRY(std::int64_t references,
                  conn.query_int("SELECT count(*) FROM pragma_foreign_key_list(?) "
                                 "WHERE \"table\" = ? COLLATE NOCASE",
                                 {db::Value(child), db::Value(parent)}));
      if (references > 0) {
        chosen.insert(child);
        pending.push_back(child);
      }
    }
  }
  return std::vector<std::string>(chosen.begin(), chosen.end());
}

Result<TableCensus> take_census(db::Connection& conn, const std::string& table) {
  TableCensus census;
  SAFEMIG_TRY(census.columns, column_names(conn, table));
  SAFEMIG_TRY(census.rows, conn.query_int("SELECT count(*) FROM " + db::quote_identifier(table)));
  return census;
}

Result<std::vector<DataLoss>> find_data_loss(db::Connection& conn, const Census& before,
                                             const std::set<std::string>& tables_before) {
  SAFEMIG_TRY(std::set<std::string> tables_after, user_tables(conn));
  std::vector<std::string> created;
  for (const std::string& table : tables_after) {
    if (!tables_before.contains(table)) created.push_back(table);
  }
  std::set<std::string> claimed;  // Created tables already taken as another table's continuation.
  std::vector<DataLoss> losses;
  for (const auto& [table, census] : before) {
    std::optional<std::string> now;  // The table's name after the step.
    std::optional<TableCensus> after;
    if (tables_after.contains(table)) {
      now = table;
      SAFEMIG_TRY(after, take_census(conn, table));
    } else {
      for (const std::string& candidate : created) {
        if (claimed.contains(candidate)) continue;
        SAFEMIG_TRY(TableCensus found, take_census(conn, candidate));
        if (found.rows < census.rows) continue;
        SAFEMIG_TRY(auto missing, lost_columns(conn, table, census, candidate, found.columns));
        if (!missing.empty()) continue;
        claimed.insert(candidate);
        now = candidate;
        after = std::move(found);
        break;
      }
      if (!after) {
        if (census.rows > 0) losses.push_back({table, "", census.rows});
        continue;
      }
    }
    if (after->rows < census.rows) {
      losses.push_back({table, "", census.rows - after->rows});
      continue;  // The rows' values went with them.
    }
    SAFEMIG_TRY(auto missing, lost_columns(conn, table, census, *now, after->columns));
    losses.insert(losses.end(), missing.begin(), missing.end());
  }
  return losses;
}

}  // namespace safemig::migrate
