// Online backup: a consistent copy of a live SQLite database through sqlite3_backup_*, for when
// another connection may be writing.
//
// Thread safety: the source handle must not be used by another thread during the copy.
#pragma once

#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

struct sqlite3;

namespace safemig::backup::internal {

// Copies the "main" database of `source` into a new database file at `dst_path` (which must not
// exist), in steps, retrying while the source is busy (bounded). The destination is written
// without a journal and not fsynced: the caller fsyncs it. On failure the caller removes it.
// Errors: busy (the source stayed locked), io, or the engine's error naming both files.
Result<void> online_backup_to_file(sqlite3* source, const std::string& source_path,
                                   const std::string& dst_path, const Progress& progress);

}  // namespace safemig::backup::internal
