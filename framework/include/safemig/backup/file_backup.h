// Fast, verified file backups of a SQLite database.
//
// A backup is written beside the database as <db>.backup-YYYYMMDD-HHMMSS-v<N>[-<label>]-<n>[.gz]
// (UTC; n grows with every backup of the database and is recorded in
// <db>.safemig-backup-sequence, so a name is never used twice, even after its backup was pruned)
// with a <backup>.sha256 sidecar in `sha256sum -c` format. It is written under a temporary name,
// fsynced, verified (re-read and hashed, opened as a database), its sidecar written, and only
// then renamed into place: a half-written or unverified backup never carries the final name, and
// a backup under its final name always has its sidecar.
//
// A backup is a single-file database in rollback-journal mode (journal_mode=DELETE: header bytes
// 18 and 19 are 1, where a WAL database has 2), whatever the mode of the source: opening it with
// the sqlite3 shell leaves no -wal or -shm beside it. The SHA-256 is that of the stored bytes. A
// database restored from it returns to WAL mode when a connection that asks for WAL opens it.
//
// Thread safety: the functions are reentrant; callers serialise writers of one database (the
// single-writer lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::backup {

struct BackupOptions {
  std::int64_t from_version = 0;  // Schema version recorded in the name (v<N>), >= 0.
  // "" or [A-Za-z0-9_]+ with at least one letter, e.g. "before_restore"; not "wal", "shm" or
  // "journal" (SQLite's side-file suffixes).
  std::string label;
  bool gzip = false;  // Store a gzip stream (<name>.gz) instead of a plain copy.
  // The caller holds the writer lock, so nothing else writes: checkpoint the WAL and copy the file
  // with copy_file_range while hashing. When false (or when the checkpoint cannot complete
  // because a reader pins the WAL) the SQLite online backup API is used instead.
  bool quiescent = true;
  Progress progress;  // Optional; reports the copy.
  // The time written into the name; the default (the epoch) means now. Tests inject it.
  std::chrono::system_clock::time_point created_at{};
};

// Backs up the SQLite database behind `source` (source.location() is its path) into the
// database's directory and verifies the copy.
// REQUIRES: `source` is a SQLite connection not inside a transaction.
// On success: the backup and its sidecar exist under their final names, both fsynced (and the
// directory), and the returned BackupInfo describes the backup.
// On failure: nothing is left under a final name; errors are failed_precondition (inside a
// transaction), invalid_input (bad label or version, not SQLite), io (with what to do), corrupt
// (the copy does not match what was read, or a damaged <db>.safemig-backup-sequence), busy (the
// online backup could not get a read lock).
Result<BackupInfo> create_file_backup(db::Connection& source, const BackupOptions& options);

// Number of quiescent backups in this process that fell back to the online backup API because
// the WAL checkpoint could not complete (exposed as a metric by the services).
std::uint64_t online_fallback_count();

}  // namespace safemig::backup
