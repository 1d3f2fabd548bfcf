#include "sqlite_statement.h"

#include <limits>

#include "safemig/db/sqlite_connection.h"

namespace safemig::db {
namespace {

std::string_view hint_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::busy:
      return "another connection holds the database lock; retry later or raise the busy timeout";
    case ErrorCode::locked:
      return "a table is locked by another statement on this connection; retry after it finishes";
    case ErrorCode::constraint:
      return "the data violates a constraint; fix the data or the statement";
    case ErrorCode::corrupt:
      return "the database file is damaged; restore it from a backup (safemig restore)";
    case ErrorCode::not_a_database:
      return "the file is not a SQLite database; check the path";
    case ErrorCode::read_only:
      return "this connection is read-only; writes go through the writer";
    case ErrorCode::io:
      return "check that the file and its directory exist, are writable and the disk has space";
    case ErrorCode::aborted:
      return "the transaction was rolled back; run it again";
    case ErrorCode::invalid_input:
      return "fix the SQL statement";
    default:
      return "";
  }
}

Value column_value(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
      return Blob(data, data + sqlite3_column_bytes(stmt, i));
    }
    default:
      return Null{};
  }
}

}  // namespace

Error sqlite_error(sqlite3* db, int result_code, std::string_view sql) {
  ErrorCode code = map_sqlite_code(result_code);
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result_code);
  std::string_view hint = hint_for(code);
  if (!hint.empty()) message += "; " + std::string(hint);
  Error error(code, std::move(message));
  if (!sql.empty()) error.sql = std::string(sql);
  return error;
}

Result<StatementPtr> prepare_statement(sqlite3* db, std::string_view sql, std::string_view* tail) {
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return fail(ErrorCode::invalid_input, "SQL text is larger than 2 GiB; split it");
  }
  sqlite3_stmt* raw = nullptr;
  const char* rest = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, &rest);
  StatementPtr stmt(raw);
  if (rc != SQLITE_OK) return fail(sqlite_error(db, rc, sql));
  if (tail != nullptr) {
    *tail = sql.substr(static_cast<std::size_t>(rest - sql.data()));
  }
  return stmt;
}

Result<void> bind_all(sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params,
                      std::string_view sql) {
  const int expected = sqlite3_bind_parameter_count(stmt);
  if (static_cast<std::size_t>(expected) != params.size()) {
    return fail(Error(ErrorCode::invalid_input, "the statement takes " + std::to_string(expected) +
                                                    " parameters but " +
                                                    std::to_string(params.size()) + " were given")
                    .with_sql(std::string(sql)));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const Value& v = params[i];
    int rc = SQLITE_OK;
    if (std::holds_alternative<Null>(v)) {
      rc = sqlite3_bind_null(stmt, index);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      const auto& b = std::get<Blob>(v);
      rc = sqlite3_bind_blob64(stmt, index, b.data(), b.size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return fail(sqlite_error(db, rc, sql));
  }
  return {};
}

Result<void> run_statement(sqlite3* db, sqlite3_stmt* stmt, std::vector<Row>* rows,
                           std::string_view sql) {
  struct ResetOnExit {
    sqlite3_stmt* s;
    ~ResetOnExit() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } reset{stmt};
  const int columns = sqlite3_column_count(stmt);
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return fail(sqlite_error(db, rc, sql));
    if (rows == nullptr) continue;
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) values.push_back(column_value(stmt, i));
    rows->emplace_back(std::move(values));
  }
}

}  // namespace safemig::db
