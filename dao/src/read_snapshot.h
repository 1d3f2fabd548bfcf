// ReadSnapshot: one deferred read transaction around a reader call (internal to dao), so every
// query of the call sees the same snapshot and none is held longer than the call. Joins the
// caller's transaction when the connection is already in one.
//
// Thread safety: used by the thread that owns the connection.
#pragma once

#include <optional>

#include "safemig/db/connection.h"
#include "safemig/db/transaction.h"

namespace safemig::dao::internal {

class ReadSnapshot {
 public:
  static Result<ReadSnapshot> begin(db::Connection& connection) {
    ReadSnapshot snapshot;
    if (!connection.in_transaction()) {
      SAFEMIG_TRY(auto tx, db::Transaction::begin(connection, db::TransactionMode::deferred));
      snapshot.transaction_.emplace(std::move(tx));
    }
    return snapshot;
  }

  // Ends the read transaction (a commit, which for reads only releases the snapshot).
  Result<void> finish() {
    if (!transaction_) return {};
    return transaction_->commit();
  }

 private:
  std::optional<db::Transaction> transaction_;
};

}  // namespace safemig::dao::internal
