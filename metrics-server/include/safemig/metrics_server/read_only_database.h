// ReadOnlyDatabase: the metrics server's access to the database file — a small pool of SQLite
// connections opened read-only (SQLITE_OPEN_READONLY and PRAGMA query_only=ON), each used by one
// request at a time. Connections are opened on demand, so the server starts (and reports 503)
// while the file does not exist yet, and recovers once it does. A file replaced under the same
// path (a restore renames a backup over it) is noticed at the next acquire: the connections to
// the old file are dropped and the new one is opened.
//
// Thread safety: acquire() may be called from any thread; a Lease is used by one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/version.h"

namespace safemig::metrics_server {

class ReadOnlyDatabase {
 public:
  // A connection on loan; it goes back to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    db::Connection& connection() { return *connection_; }
    // Drops the connection instead of returning it (after an error that may have broken it).
    void discard() { connection_.reset(); }

    // Identifies the file a connection was opened on (device and inode).
    struct FileId {
      std::uint64_t device = 0;
      std::uint64_t inode = 0;
      bool operator==(const FileId&) const = default;
    };

   private:
    friend class ReadOnlyDatabase;
    Lease(ReadOnlyDatabase* owner, std::unique_ptr<db::Connection> connection, FileId file)
        : owner_(owner), connection_(std::move(connection)), file_(file) {}
    ReadOnlyDatabase* owner_;
    std::unique_ptr<db::Connection> connection_;
    FileId file_;
  };

  // `max_idle` connections are kept open between requests.
  explicit ReadOnlyDatabase(
      std::string path, std::size_t max_idle = 4,
      std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(2000))
      : path_(std::move(path)), max_idle_(max_idle), busy_timeout_(busy_timeout) {}
  ReadOnlyDatabase(const ReadOnlyDatabase&) = delete;
  ReadOnlyDatabase& operator=(const ReadOnlyDatabase&) = delete;

  // An idle connection to the file now at the path, or a newly opened read-only one. The pool
  // must outlive the lease. Errors: not_found when the file does not exist (nothing is created),
  // not_a_database, io (also for a path that is a directory, and for a WAL database whose -wal
  // and -shm files do not exist and may not be created by this user). Like every SQLite
  // reader, a new connection creates -wal and -shm when they are missing and the directory lets
  // it.
  Result<Lease> acquire();

  // acquire(), for a database whose schema is at `version`. Errors: those of acquire(), and
  // failed_precondition naming the version found when it is another one (a database the proxy
  // has not migrated yet, or a newer one).
  Result<Lease> acquire_at_version(migrate::Version version);

  const std::string& path() const { return path_; }

 private:
  struct Idle {
    std::unique_ptr<db::Connection> connection;
    Lease::FileId file;
  };
  void give_back(std::unique_ptr<db::Connection> connection, Lease::FileId file);

  const std::string path_;
  const std::size_t max_idle_;
  const std::chrono::milliseconds busy_timeout_;
  std::mutex mutex_;
  std::vector<Idle> idle_;  // Guarded by mutex_.
};

// The schema version recorded in the database's migration history (0 before any), read in one
// snapshot.
Result<migrate::Version> read_schema_version(db::Connection& connection);

}  // namespace safemig::metrics_server
