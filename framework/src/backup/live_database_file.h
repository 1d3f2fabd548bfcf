// The main file of a database a SQLite connection has open, read through that connection's own
// file handle for a file copy.
//
// The file is never opened a second time, and that is the point: on POSIX, closing any
// descriptor of a file drops every fcntl lock the process holds on it, SQLite's included. A
// process that lost its SQLite locks looks gone to the others; the next connection elsewhere that
// closes would checkpoint and delete the WAL under it, and every commit after that would land in
// a deleted file.
//
// Thread safety: the connection must not be used by another thread while the source is read.
#pragma once

#include <sqlite3.h>

#include "file_copy.h"

namespace safemig::backup::internal {

// The "main" database file of `source`, its size as of now. Errors: internal when the
// connection has no file handle (an in-memory database).
Result<CopySource> live_database_source(sqlite3* source, const std::string& db_path);

}  // namespace safemig::backup::internal
