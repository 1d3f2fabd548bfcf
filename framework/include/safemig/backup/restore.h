// Atomic restore of a database from a file backup, and keeping a failed database aside.
//
// Thread safety: reentrant; see REQUIRES.
#pragma once

#include <optional>
#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

namespace safemig::backup {

struct RestoreOptions {
  // Restore a backup whose sidecar is missing or whose hash does not match. A file that is not a
  // SQLite database is refused even with force.
  bool force = false;
  int current_version = 0;  // Version recorded in the name of the before_restore backup.
  Progress progress;        // Optional; reports the copy of the backup.
  // Keep the current database by renaming it aside (preserve_failed_database) instead of
  // saving a before_restore backup of it: for a database a failed step left in an unknown
  // state. Done only once the backup's copy has passed every check.
  bool keep_current_as_failed = false;
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
// against the sidecar, fsynced, and must pass integrity_check; the current database (if it exists
// and is a database) is saved as a before_restore backup; stale <db>-wal/<db>-shm are removed;
// <db>.restore-tmp is renamed over db_path; the directory is fsynced.
// On failure the database at db_path is untouched and no <db>.restore-tmp is left. Errors:
// not_found (backup or, without force, its sidecar), corrupt (hash mismatch or failed
// integrity_check without force, damaged gzip), not_a_database (always refused), io.
Result<RestoreResult> restore_backup(const std::string& backup_path, const std::string& db_path,
                                     const RestoreOptions& options = {});

// Keeps the current database for inspection: renames db_path, then its -wal and -shm if present,
// to <db>.failed-YYYYMMDD-HHMMSS[-<n>] (and -wal/-shm beside it, so SQLite opens them together),
// and fsyncs the directory.
// REQUIRES: as restore_backup.
// Returns the new path. On failure: not_found (no file at db_path), io.
Result<std::string> preserve_failed_database(const std::string& db_path);

}  // namespace safemig::backup
