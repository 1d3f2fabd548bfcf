// Connection: the narrow interface through which safemig talks to a database engine.
//
// It is kept small so that GoogleMock can implement it and a test can inject a failure at any
// exact call. Drivers: SQLite (sqlite_connection.h); PostgreSQL later.
//
// Contract for every method: on success the result holds the value; on failure it holds an
// Error whose code is mapped from the engine's result code and whose `sql` names the statement.
// Statements are prepared once per connection and cached by their text.
//
// Thread safety: a Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "safemig/db/value.h"
#include "safemig/error.h"

namespace safemig::db {

enum class Dialect { sqlite, postgresql };

enum class TransactionMode {
  deferred,   // BEGIN: locks taken on first use (readers).
  immediate,  // BEGIN IMMEDIATE: the write lock is taken now (writers, migrations).
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Dialect dialect() const = 0;
  // True when the connection refuses writes (opened read-only).
  virtual bool read_only() const = 0;
  // The database file path (SQLite) or a connection URL without password (PostgreSQL).
  virtual std::string location() const = 0;

  // Runs one statement with bound parameters, discarding any rows.
  virtual Result<void> execute_params(std::string_view sql, std::span<const Value> params) = 0;
  // Runs one statement with bound parameters and returns all its rows.
  virtual Result<std::vector<Row>> query_params(std::string_view sql,
                                                std::span<const Value> params) = 0;
  // Runs a script of several statements without parameters (DDL, migrations).
  virtual Result<void> execute_script(std::string_view sql) = 0;

  virtual Result<void> begin(TransactionMode mode) = 0;
  virtual Result<void> commit() = 0;
  virtual Result<void> rollback() = 0;
  virtual bool in_transaction() const = 0;

  virtual Result<void> savepoint(std::string_view name) = 0;
  virtual Result<void> release(std::string_view name) = 0;
  virtual Result<void> rollback_to(std::string_view name) = 0;

  virtual std::int64_t last_insert_id() const = 0;
  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  virtual std::int64_t changes() const = 0;

  // The connection this one forwards to, for a decorator (one that adds logging or faults);
  // nullptr otherwise. Engine-specific operations (sqlite_handle) follow it to the engine.
  virtual Connection* decorated() { return nullptr; }

  // Calls `handler` about every `every_n_steps` steps of the engine's virtual machine while a
  // statement runs (SQLite's sqlite3_progress_handler), on the thread running the statement; an
  // empty handler removes it. It only observes: it cannot interrupt the statement, and it must
  // be cheap and must not use this connection. One handler per connection; a new one replaces
  // the previous. The default forwards to the decorated connection, and does nothing where the
  // engine has no such hook.
  virtual void set_progress_handler(std::function<void()> handler, int every_n_steps) {
    if (Connection* inner = decorated(); inner != nullptr) {
      inner->set_progress_handler(std::move(handler), every_n_steps);
    }
  }

  // Convenience forms (not virtual: mocks implement the span versions).
  Result<void> execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute_params(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<std::vector<Row>> query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query_params(sql, std::span<const Value>(params.begin(), params.size()));
  }
  // Returns the single row of a query, or not_found when it returned none.
  Result<Row> query_one(std::string_view sql, std::initializer_list<Value> params = {});
  // Returns the first column of the single row as an integer.
  Result<std::int64_t> query_int(std::string_view sql, std::initializer_list<Value> params = {});
};

// Quotes an identifier for SQL ("a""b" style), for names that cannot be bound.
std::string quote_identifier(std::string_view name);

}  // namespace safemig::db
