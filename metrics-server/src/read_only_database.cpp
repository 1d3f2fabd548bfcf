// ReadOnlyDatabase: a small pool of read-only SQLite connections (see read_only_database.h).
//
// Thread safety: the idle list is guarded by mutex_; a connection is used by one lease at a time.
#include "safemig/metrics_server/read_only_database.h"

#include <sys/stat.h>

#include <optional>

#include "safemig/db/sqlite_connection.h"
#include "safemig/db/transaction.h"
#include "safemig/migrate/history.h"

namespace safemig::metrics_server {
namespace {

using FileId = ReadOnlyDatabase::Lease::FileId;

// The file at `path` now, or nullopt when there is none (open_sqlite then says why).
std::optional<FileId> file_at(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace

Result<migrate::Version> read_schema_version(db::Connection& connection) {
  SAFEMIG_TRY(auto snapshot, db::Transaction::begin(connection, db::TransactionMode::deferred));
  SAFEMIG_TRY(const migrate::Version version, migrate::read_current_version(connection));
  SAFEMIG_TRY_VOID(snapshot.commit());
  return version;
}

ReadOnlyDatabase::Lease::~Lease() {
  if (owner_ != nullptr && connection_ != nullptr) {
    owner_->give_back(std::move(connection_), file_);
  }
}

Result<ReadOnlyDatabase::Lease> ReadOnlyDatabase::acquire() {
  const std::optional<FileId> now = file_at(path_);
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      if (now && idle.file == *now) return Lease(this, std::move(idle.connection), idle.file);
      // Opened on a file that is no longer at the path: a restore or a replacement.
    }
  }
  db::SqliteOptions options;
  options.read_only = true;
  options.create = false;
  options.wal = false;
  options.busy_timeout = busy_timeout_;
  auto connection = db::open_sqlite(path_, options);
  if (!connection) {
    Error error = connection.error();
    // Whatever is wrong with the file is the server's problem, never the request's.
    if (error.code == ErrorCode::invalid_input) error.code = ErrorCode::io;
    return fail(error);
  }
  const std::optional<FileId> opened = file_at(path_);
  return Lease(this, std::move(*connection), opened.value_or(FileId{}));
}

Result<ReadOnlyDatabase::Lease> ReadOnlyDatabase::acquire_at_version(migrate::Version version) {
  SAFEMIG_TRY(Lease lease, acquire());
  const auto found = read_schema_version(lease.connection());
  if (!found) {
    lease.discard();
    return fail(found.error());
  }
  if (*found != version) {
    return fail(Error(ErrorCode::failed_precondition,
                      "the database " + path_ + " is at schema version " +
                          migrate::version_text(*found) + " and this server reads version " +
                          std::to_string(version) +
                          (*found < version ? "; start metrics-proxy (it migrates the database) "
                                              "or run safemig migrate"
                                            : "; run the metrics-server that ships with the "
                                              "proxy writing it"))
                    .with_file(path_));
  }
  return lease;
}

void ReadOnlyDatabase::give_back(std::unique_ptr<db::Connection> connection, Lease::FileId file) {
  if (connection->in_transaction()) return;  // Left mid-transaction by a failure: drop it.
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(Idle{std::move(connection), file});
}

}  // namespace safemig::metrics_server
