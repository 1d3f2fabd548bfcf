// Implements data_loss.h; the contract and the thread-safety rule are stated there.
#include "data_loss.h"

#include <algorithm>

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

std::int64_t values_of(const TableCensus& census, const std::string& column) {
  for (const auto& [name, count] : census.values) {
    if (name == column) return count;
  }
  return -1;
}

bool has_column(const TableCensus& census, const std::string& column) {
  return values_of(census, column) >= 0;
}

// The columns of `before` whose values `after` (the same table, or the one that continues it) no
// longer holds, appended to `losses`.
void compare_columns(const std::string& table, const TableCensus& before, const TableCensus& after,
                     std::vector<DataLoss>& losses) {
  std::set<std::string> renamed_targets;
  for (const auto& [column, count] : before.values) {
    if (count == 0) continue;
    const std::int64_t now = values_of(after, column);
    if (now >= count) continue;
    if (now >= 0) {
      losses.push_back({table, column, count - now});
      continue;
    }
    // Gone: a column added by the step that holds as many values is the same data renamed.
    auto target = std::find_if(after.values.begin(), after.values.end(), [&](const auto& added) {
      return !has_column(before, added.first) && !renamed_targets.contains(added.first) &&
             added.second >= count;
    });
    if (target != after.values.end()) {
      renamed_targets.insert(target->first);
    } else {
      losses.push_back({table, column, count});
    }
  }
}

// A table the step created that holds everything `before` held: at least its rows, and the
// values of every column, under the same name or a new one.
bool continues(const TableCensus& before, const TableCensus& candidate) {
  if (candidate.rows < before.rows) return false;
  std::vector<DataLoss> losses;
  compare_columns("", before, candidate, losses);
  return losses.empty();
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
  SAFEMIG_TRY(std::vector<std::string> columns, column_names(conn, table));
  std::string sql = "SELECT count(*)";
  for (const std::string& column : columns) sql += ", count(" + db::quote_identifier(column) + ")";
  sql += " FROM " + db::quote_identifier(table);
  SAFEMIG_TRY(db::Row row, conn.query_one(sql));
  TableCensus census;
  census.rows = row.int64(0);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    census.values.emplace_back(columns[i], row.int64(i + 1));
  }
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
    std::optional<TableCensus> after;
    if (tables_after.contains(table)) {
      SAFEMIG_TRY(after, take_census(conn, table));
    } else {
      for (const std::string& candidate : created) {
        if (claimed.contains(candidate)) continue;
        SAFEMIG_TRY(TableCensus found, take_census(conn, candidate));
        if (continues(census, found)) {
          claimed.insert(candidate);
          after = std::move(found);
          break;
        }
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
    compare_columns(table, census, *after, losses);
  }
  return losses;
}

}  // namespace safemig::migrate
