// The SQLite driver: opens a database file through the C API and returns a Connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "safemig/db/connection.h"

struct sqlite3;

namespace safemig::db {

enum class Synchronous { off, normal, full };

struct SqliteOptions {
  // Open SQLITE_OPEN_READONLY with PRAGMA query_only=ON: every write fails with read_only.
  bool read_only = false;
  // Create the file when it does not exist (writers only). When false a missing file is
  // not_found and nothing is created.
  bool create = true;
  // Switch the database to WAL (writers only; readers use whatever the file has).
  bool wal = true;
  Synchronous synchronous = Synchronous::normal;
  std::chrono::milliseconds busy_timeout{5000};
  bool foreign_keys = true;
  // Name of a registered VFS (tests inject faults through one); empty for the default.
  std::string vfs;
};

// Opens `path`. On success the connection has the options applied and has proven the file is a
// SQLite database (a file that is not one is not_a_database and is left untouched).
Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path,
                                                const SqliteOptions& options = {});

// The raw handle behind a Connection returned by open_sqlite, for the few SQLite-only
// operations (online backup API). Returns nullptr for any other Connection.
sqlite3* sqlite_handle(Connection& connection);

// Maps a SQLite result code (primary or extended) to safemig's ErrorCode.
ErrorCode map_sqlite_code(int result_code);

}  // namespace safemig::db
