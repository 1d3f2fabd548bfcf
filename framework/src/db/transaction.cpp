#include "safemig/db/transaction.h"

#include <spdlog/spdlog.h>

#include <atomic>

namespace safemig::db {
namespace {

std::atomic<std::uint64_t> g_failed_rollbacks{0};

void count_failed_rollback(const Error& error, std::string_view what) {
  g_failed_rollbacks.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("{} failed: {}", what, error.describe());
}

}  // namespace

std::uint64_t failed_rollback_count() { return g_failed_rollbacks.load(std::memory_order_relaxed); }

Result<Transaction> Transaction::begin(Connection& connection, TransactionMode mode) {
  SAFEMIG_TRY_VOID(connection.begin(mode));
  return Transaction(connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  if (connection_ != nullptr) (void)rollback();
}

Result<void> Transaction::commit() {
  if (connection_ == nullptr) {
    return fail(ErrorCode::failed_precondition, "the transaction has already ended");
  }
  auto committed = connection_->commit();
  if (!committed) {
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY); end it so nothing half-done
    // stays pending on the connection.
    if (connection_->in_transaction()) (void)rollback();
    connection_ = nullptr;
    return committed;
  }
  connection_ = nullptr;
  return {};
}

Result<void> Transaction::rollback() {
  if (connection_ == nullptr) return {};
  Connection* conn = std::exchange(connection_, nullptr);
  if (!conn->in_transaction()) return {};  // SQLite already rolled back (e.g. after SQLITE_FULL).
  auto result = conn->rollback();
  if (!result) count_failed_rollback(result.error(), "ROLLBACK");
  return result;
}

Result<Savepoint> Savepoint::begin(Connection& connection, std::string name) {
  SAFEMIG_TRY_VOID(connection.savepoint(name));
  return Savepoint(connection, std::move(name));
}

Savepoint::Savepoint(Savepoint&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)), name_(std::move(other.name_)) {}

Savepoint::~Savepoint() {
  if (connection_ != nullptr) (void)rollback();
}

Result<void> Savepoint::release() {
  if (connection_ == nullptr) {
    return fail(ErrorCode::failed_precondition, "the savepoint has already ended");
  }
  Connection* conn = std::exchange(connection_, nullptr);
  return conn->release(name_);
}

Result<void> Savepoint::rollback() {
  if (connection_ == nullptr) return {};
  Connection* conn = std::exchange(connection_, nullptr);
  auto result = conn->rollback_to(name_);
  if (result) result = conn->release(name_);
  if (!result) count_failed_rollback(result.error(), "ROLLBACK TO SAVEPOINT");
  return result;
}

}  // namespace safemig::db
