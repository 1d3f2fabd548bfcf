// Atomic restore of a database from a file backup, and keeping a failed database aside.
//
// Thread safety: reentrant; see REQUIRES.
#pragma once

#include <optional>
#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

namespace safemig::db {
class WriterLock;
}  // namespace safemig::db

namespace safemig::backup {

struct RestoreOptions {
  // Restore a backup whose sidecar is missing or whose hash does not match. A file that is not a
  // SQLite database is refused even with force.
  bool force = false;
  std::int64_t current_version = 0;  // Version recorded in the name of the before_restore backup.
  Progress progress;                 // Optional; reports the copy of the backup.
  // Keep the current database by renaming it aside (preserve_failed_database) instead of
  // saving a before_restore backup of it: for a database a failed step left in an unknown
  // state. Done only once the backup's copy has passed every check.
  bool keep_current_as_failed = false;
  // The caller's writer lock of db_path. The restored copy is locked through it before anything
  // is changed and the lock settles on it after the rename, so the new database file is
  // covered from the instant it has the database's name (without it, the lock would stay on the
  // replaced file and a second writer could open the new one). Null only when no writer lock
  // is held (tests of the copy alone).
  db::WriterLock* writer_lock = nullptr;
};

struct RestoreResult {
  std::string restored_from;                 // The backup that now is the database.
  std::optional<BackupInfo> before_restore;  // The saved previous database, if there was one.
  // When the file at db_path existed but was not a database it is kept here
  // (<db>.failed-YYYYMMDD-HHMMSS) instead of being overwritten; "" otherwise.
  std::string preserved_non_database;
  // With keep_current_as_failed: where the replaced database was kept; "" when there was none.
  std::string kept_as_failed;
};

// Replaces the database at `db_path` with the backup at `backup_path`.
// REQUIRES: the caller holds the writer lock and has no open connection to db_path.
// Steps: the backup is copied (or decompressed) to <db>.restore-tmp while its hash is checked
// against the sidecar, fsynced, and must pass integrity_check; with options.writer_lock it is
// locked through that lock; the current database (if it exists and is a database) is saved as a
// before_restore backup; stale <db>-wal/<db>-shm are removed; <db>.restore-tmp is renamed over
// db_path; the writer lock settles on it; the directory is fsynced.
// On failure the database at db_path is untouched, the writer lock still holds it, and no
// <db>.restore-tmp is left. Errors: not_found (backup or, without force, its sidecar), corrupt
// (hash mismatch or failed integrity_check without force, damaged gzip), not_a_database (always
// refused), io; failed_precondition when this process holds the writer lock of db_path but
// options.writer_lock is null; from the writer lock: locked (another process locks the copy),
// aborted (another process replaced the database during the restore).
Result<RestoreResult> restore_backup(const std::string& backup_path, const std::string& db_path,
                                     const RestoreOptions& options = {});

// Keeps the current database for inspection: renames db_path, then its -wal and -shm if present,
// to <db>.failed-YYYYMMDD-HHMMSS[-<n>] (and -wal/-shm beside it, so SQLite opens them together),
// and fsyncs the directory.
// REQUIRES: as restore_backup.
// Returns the new path. On failure: not_found (no file at db_path), io.
Result<std::string> preserve_failed_database(const std::string& db_path);

}  // namespace safemig::backup
