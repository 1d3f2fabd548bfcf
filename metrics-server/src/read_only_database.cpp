// ReadOnlyDatabase: a small pool of read-only SQLite connections (see read_only_database.h).
//
// Thread safety: the idle list is guarded by mutex_; a connection is used by one lease at a time.
#include "safemig/metrics_server/read_only_database.h"

#include "safemig/db/sqlite_connection.h"

namespace safemig::metrics_server {

ReadOnlyDatabase::Lease::~Lease() {
  if (owner_ != nullptr && connection_ != nullptr) owner_->give_back(std::move(connection_));
}

Result<ReadOnlyDatabase::Lease> ReadOnlyDatabase::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<db::Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
  }
  db::SqliteOptions options;
  options.read_only = true;
  options.create = false;
  options.wal = false;
  options.busy_timeout = busy_timeout_;
  SAFEMIG_TRY(auto connection, db::open_sqlite(path_, options));
  return Lease(this, std::move(connection));
}

void ReadOnlyDatabase::give_back(std::unique_ptr<db::Connection> connection) {
  if (connection->in_transaction()) return;  // Left mid-transaction by a failure: drop it.
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

}  // namespace safemig::metrics_server
