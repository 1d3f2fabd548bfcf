// Fast, verified file backups of a SQLite database.
//
// A backup is written beside the database as <db>.backup-YYYYMMDD-HHMMSS-v<N>[-<label>][.gz]
// (UTC; "-2", "-3", ... is appended when that name is taken) with a <backup>.sha256 sidecar in
// `sha256sum -c` format. It is written under a temporary name, fsynced, verified (re-read and
// hashed, opened as a database) and only then renamed into place: a half-written or unverified
// backup never carries the final name.
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
  int from_version = 0;  // Schema version recorded in the name (v<N>).
  std::string label;     // "" or [A-Za-z0-9_]+ with at least one letter, e.g. "before_restore".
  bool gzip = false;     // Store a gzip stream (<name>.gz) instead of a plain copy.
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
// transaction), invalid_input (bad label, not SQLite), io (with what to do), corrupt (the copy
// does not match what was read), busy (the online backup could not get a read lock).
Result<BackupInfo> create_file_backup(db::Connection& source, const BackupOptions& options);

// Number of quiescent backups in this process that fell back to the online backup API because
// the WAL checkpoint could not complete (exposed as a metric by the services).
std::uint64_t online_fallback_count();

}  // namespace safemig::backup
