// SqliteStatement: RAII over one prepared sqlite3_stmt (internal to the SQLite driver).
//
// Thread safety: used by the thread that owns its connection.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/db/value.h"
#include "safemig/error.h"

namespace safemig::db {

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// Builds the Error for a failed call on `db`, with the engine's message, a hint saying what to
// do, and the statement text.
Error sqlite_error(sqlite3* db, int result_code, std::string_view sql);

// Prepares the first statement of `sql`. `tail` (if given) receives the unparsed rest.
// A statement that is only whitespace or comments yields a null StatementPtr.
Result<StatementPtr> prepare_statement(sqlite3* db, std::string_view sql,
                                       std::string_view* tail = nullptr);

Result<void> bind_all(sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params,
                      std::string_view sql);

// Steps `stmt` to completion, appending rows to `rows` when it is non-null. Always resets
// the statement and clears its bindings before returning, so it holds no lock afterwards.
Result<void> run_statement(sqlite3* db, sqlite3_stmt* stmt, std::vector<Row>* rows,
                           std::string_view sql);

}  // namespace safemig::db
