// Listing and retention of the file backups of one database.
//
// Backups are found by name in the database's directory (see file_backup.h for the naming), and
// only the files safemig wrote count: a regular file with a backup's name and its .sha256
// sidecar. SQLite's side files of a backup (<backup>-wal, -shm, -journal, left by opening it with
// the sqlite3 shell), temporaries, other databases' backups and anything else are never taken for
// backups, and none of them makes a backup be skipped or removed.
//
// Thread safety: reentrant; prune_backups and remove_leftover_temporaries must not run
// concurrently with another writer of the same database's backups (callers hold the
// single-writer lock).
#pragma once

#include <string>
#include <vector>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

namespace safemig::backup {

// Returns the backups of `db_path`, newest first (by the time in the name, then by its "-<n>"
// sequence, then by when the file was written). sha256 is filled from the sidecar when it is
// readable, else "". On failure: not_found (the directory does not exist), io.
Result<std::vector<BackupInfo>> list_backups(const std::string& db_path);

// Files beside `db_path` that carry a backup's name but are not backups (no sidecar, or not a
// regular file), sorted by path: a backup whose .sha256 was deleted shows up here, so that
// `verify` can say why it is not checked. On failure: not_found (no directory), io.
Result<std::vector<std::string>> list_backup_lookalikes(const std::string& db_path);

// Keeps the newest `keep` backups of `db_path` (every label counts, before_restore included)
// and removes the older ones: each backup, then SQLite's side files of it (-wal, -shm,
// -journal), then its sidecar; then fsyncs the directory.
// REQUIRES: keep >= 1, else invalid_input.
// Returns the removed backup paths (oldest last). On failure: io, with the backups removed so far
// gone and the rest untouched.
Result<std::vector<std::string>> prune_backups(const std::string& db_path, int keep);

// Removes what a process killed while copying or pruning left beside `db_path`: partial backups
// (<db>.backup-….partial, .partial-raw), partial sidecars (….sha256.partial), a partial backup
// sequence file, the copy of a restore (<db>.restore-tmp), and the sidecars and SQLite side
// files of backups that no longer exist; then fsyncs the directory when it removed any.
// REQUIRES: the caller holds the single-writer lock (no other process is writing them).
// Returns the removed paths. On failure: io.
Result<std::vector<std::string>> remove_leftover_temporaries(const std::string& db_path);

}  // namespace safemig::backup
