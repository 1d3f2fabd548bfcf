// Transaction: RAII over BEGIN/COMMIT/ROLLBACK on a Connection.
//
// A Transaction that is destroyed without commit() rolls back. A rollback that fails is logged
// and counted (failed_rollback_count()), never silently swallowed and never thrown.
//
// Thread safety: used by the thread that owns the connection.
#pragma once

#include <cstdint>

#include "safemig/db/connection.h"

namespace safemig::db {

class Transaction {
 public:
  // Begins a transaction on `connection`, which must outlive the Transaction.
  static Result<Transaction> begin(Connection& connection,
                                   TransactionMode mode = TransactionMode::immediate);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Commits. On failure the transaction is rolled back and the error returned.
  Result<void> commit();
  // Rolls back now; the error of a failed rollback is returned (and counted).
  Result<void> rollback();
  bool active() const { return connection_ != nullptr; }

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;
};

// Number of rollbacks that failed in this process (exposed as a metric by the services).
std::uint64_t failed_rollback_count();

// Savepoint: RAII over SAVEPOINT/RELEASE/ROLLBACK TO, nested inside a transaction.
class Savepoint {
 public:
  static Result<Savepoint> begin(Connection& connection, std::string name);
  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&&) = delete;
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  Result<void> release();
  Result<void> rollback();

 private:
  Savepoint(Connection& connection, std::string name)
      : connection_(&connection), name_(std::move(name)) {}
  Connection* connection_;
  std::string name_;
};

}  // namespace safemig::db
