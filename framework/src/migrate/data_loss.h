// Data loss: what a step removed from the tables it changed, found by comparing each table with
// the copy taken before the step (its backup table).
//
// Before a step runs, each guarded table is copied and its rows and columns noted (the census).
// After it ran (inside its transaction, before commit):
//   - a table that had rows and is gone lost them, unless a table the step created holds at
//     least as many rows and the values of every column (a rename, or a rebuild under another
//     name);
//   - a table with fewer rows lost the difference;
//   - a column that had values and is gone lost them, unless a column the step added to the same
//     table holds at least as many values (a rename).
// Dropping an empty table or an all-NULL column is no loss. Counting, rather than reading the
// SQL, finds losses of C++ steps, of cascading deletes and of statements no parser anticipated.
// Values are counted only for columns that are gone, from the copy, so a step that keeps its
// columns costs one count(*) per table; values overwritten in place (UPDATE) are not counted.
//
// Thread safety: uses the given connection only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::migrate {

struct TableCensus {
  std::int64_t rows = 0;
  std::vector<std::string> columns;
  std::string copy;  // The backup table holding the rows as they were (set by the caller).
};
using Census = std::map<std::string, TableCensus>;

struct DataLoss {
  std::string table;
  std::string column;  // Empty: whole rows were removed.
  std::int64_t count = 0;
  std::string describe() const;  // "table b: 100 rows", "column t.c: 40 values".
};

// The application's tables (not sqlite_* or safemig's own), by name.
Result<std::set<std::string>> user_tables(db::Connection& conn);

// `tables` and, transitively, the tables whose foreign keys reference them (an ON DELETE
// CASCADE child loses rows with its parent), restricted to tables that exist. Sorted.
Result<std::vector<std::string>> with_dependent_tables(db::Connection& conn,
                                                       const std::vector<std::string>& tables);

// `table`'s rows and column names.
Result<TableCensus> take_census(db::Connection& conn, const std::string& table);

// What the step removed from the tables of `before` (each with its copy), `tables_before` being
// every user table that existed before it. Empty when nothing was lost.
Result<std::vector<DataLoss>> find_data_loss(db::Connection& conn, const Census& before,
                                             const std::set<std::string>& tables_before);

}  // namespace safemig::migrate
