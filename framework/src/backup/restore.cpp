// Implements safemig/backup/restore.h; the contract and the thread-safety rule are stated there.
#include "safemig/backup/restore.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "backup_naming.h"
#include "database_check.h"
#include "file_copy.h"
#include "posix_file.h"
#include "safemig/backup/file_backup.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"
#include "sha256.h"
#include "stored_backup.h"

namespace safemig::backup {
namespace {

using internal::FileRef;
using internal::UniqueFd;

constexpr int kMaxFailedNames = 10000;
// Files SQLite keeps beside a database; a stale one would be applied to the restored file.
constexpr const char* kCompanionSuffixes[] = {"-wal", "-shm", "-journal"};

struct Materialized {
  std::string sha256;                 // Of the stored backup file.
  std::optional<Error> stream_error;  // A damaged gzip stream.
};

// Settles the writer lock on whichever file the database path names when the restore ends,
// early returns included (the copy was not renamed: the lock lets it go and keeps the database).
class SettleGuard {
 public:
  explicit SettleGuard(db::WriterLock* lock) : lock_(lock) {}
  SettleGuard(const SettleGuard&) = delete;
  SettleGuard& operator=(const SettleGuard&) = delete;
  ~SettleGuard() {
    if (lock_ != nullptr) (void)lock_->settle_replacement();
  }
  Result<void> settle() {
    return lock_ != nullptr ? std::exchange(lock_, nullptr)->settle_replacement() : Result<void>{};
  }

 private:
  db::WriterLock* lock_;
};

// Writes the database held by the backup into `tmp` (copied, or decompressed), fsynced.
Result<Materialized> materialize(const std::string& backup_path, bool gzip, const std::string& tmp,
                                 unsigned mode, const Progress& progress) {
  SAFEMIG_TRY(UniqueFd src, internal::open_file(backup_path, O_RDONLY, 0, "cannot read backup"));
  SAFEMIG_TRY_VOID(internal::remove_if_exists(tmp));
  SAFEMIG_TRY(UniqueFd dst, internal::open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, mode,
                                                "cannot write the restored database to",
                                                "make the database's directory writable"));
  SAFEMIG_TRY_VOID(internal::set_permission_bits(dst.get(), mode, tmp));
  FileRef from{src.get(), backup_path};
  FileRef to{dst.get(), tmp};
  Materialized out;
  if (gzip) {
    SAFEMIG_TRY(internal::GunzipResult unzipped, internal::gunzip_and_hash(from, to, progress));
    out.sha256 = unzipped.copy.sha256;
    out.stream_error = unzipped.stream_error;
  } else {
    SAFEMIG_TRY(internal::CopySource source, internal::descriptor_source(from));
    SAFEMIG_TRY(internal::CopyResult copied, internal::copy_and_hash(source, to, progress));
    out.sha256 = copied.sha256;
  }
  SAFEMIG_TRY_VOID(internal::fsync_fd(dst.get(), tmp));
  SAFEMIG_TRY_VOID(dst.close(tmp));
  return out;
}

Error refused(const std::string& backup_path, const Error& cause, bool can_force) {
  Error e = cause;
  e.message = "refusing to restore " + backup_path + ": " + cause.message +
              "; the database was not changed" + (can_force ? " (--force restores it anyway)" : "");
  return e;
}

// Checks the copy against the sidecar and proves it is a database, honouring force.
Result<void> accept_copy(const std::string& backup_path, const std::string& tmp,
                         const Result<std::string>& expected, const Materialized& copy,
                         bool force) {
  if (!expected) {
    if (!force) return fail(refused(backup_path, expected.error(), true));
    spdlog::warn("restoring {} without a checksum (--force): {}", backup_path,
                 expected.error().message);
  } else if (*expected != copy.sha256) {
    Error mismatch = internal::hash_mismatch(backup_path, *expected, copy.sha256);
    if (!force) return fail(refused(backup_path, mismatch, true));
    spdlog::warn("restoring {} despite a checksum mismatch (--force): {}", backup_path,
                 mismatch.message);
  }
  if (copy.stream_error) return fail(refused(backup_path, *copy.stream_error, false));
  // integrity_check, not only the open that proves a fresh backup: a backup may have been
  // damaged since, together with its sidecar, and what is put in place of the database must
  // be sound.
  auto checked = internal::check_database_file(tmp, /*deep=*/true);
  if (!checked) {
    // Name the backup, not the temporary copy, in what the user reads.
    std::string& message = checked.error().message;
    for (auto pos = message.find(tmp); pos != std::string::npos; pos = message.find(tmp, pos)) {
      message.replace(pos, tmp.size(), backup_path);
      pos += backup_path.size();
    }
    bool forceable = checked.error().code == ErrorCode::corrupt;
    if (!force || !forceable) return fail(refused(backup_path, checked.error(), forceable));
    spdlog::warn("restoring {} although it looks damaged (--force): {}", backup_path,
                 checked.error().message);
  }
  return {};
}

// True when db_path holds something worth saving: a non-empty file or a non-empty WAL. Only
// stat()ed: opening and closing the database file would drop this process's SQLite locks on it.
Result<bool> has_content(const std::string& db_path) {
  for (const std::string& path : {db_path, db_path + "-wal"}) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return fail(internal::os_error(errno, "cannot read", path));
    }
    if (st.st_size > 0) return true;
  }
  return false;
}

// Saves the database being replaced. Fills `result` with what was kept.
Result<void> save_current(const std::string& db_path, const RestoreOptions& options,
                          RestoreResult& result) {
  SAFEMIG_TRY(bool content, has_content(db_path));
  if (!content) return {};
  db::SqliteOptions open_options;
  open_options.create = false;
  open_options.wal = false;
  auto conn = db::open_sqlite(db_path, open_options);
  if (!conn) {
    if (conn.error().code != ErrorCode::not_a_database) {
      return fail(conn.error().with_prefix("cannot open the current database to save it"));
    }
    SAFEMIG_TRY(result.preserved_non_database, preserve_failed_database(db_path));
    spdlog::warn("{} was not a database; kept it as {}", db_path, result.preserved_non_database);
    return {};
  }
  BackupOptions backup_options;
  backup_options.from_version = options.current_version;
  backup_options.label = "before_restore";
  backup_options.quiescent = true;
  auto saved = create_file_backup(**conn, backup_options);
  if (!saved) return fail(saved.error().with_prefix("cannot save the current database"));
  result.before_restore = std::move(*saved);
  return {};
}

}  // namespace

Result<RestoreResult> restore_backup(const std::string& backup_path, const std::string& db_path,
                                     const RestoreOptions& options) {
  if (options.writer_lock == nullptr && db::WriterLock::held_by_this_process(db_path)) {
    return fail(Error(ErrorCode::failed_precondition,
                      "this process holds the writer lock of " + db_path +
                          " but the restore was not given it, so the restored file would be "
                          "left unlocked; pass the lock as RestoreOptions::writer_lock")
                    .with_file(db_path));
  }
  SAFEMIG_TRY(bool exists, internal::path_exists(backup_path));
  if (!exists) {
    return fail(Error(ErrorCode::not_found, "backup " + backup_path +
                                                " does not exist; list backups with `safemig "
                                                "backups`")
                    .with_file(backup_path));
  }
  SAFEMIG_TRY(bool gzip, internal::is_gzip_backup(backup_path));
  Result<std::string> expected = internal::read_sidecar(backup_path);
  SAFEMIG_TRY(bool db_exists, internal::path_exists(db_path));
  SAFEMIG_TRY(unsigned mode, internal::permission_bits(db_exists ? db_path : backup_path));

  const std::string tmp = db_path + ".restore-tmp";
  internal::TempFileGuard guard(tmp);
  SAFEMIG_TRY(Materialized copy, materialize(backup_path, gzip, tmp, mode, options.progress));
  SAFEMIG_TRY_VOID(accept_copy(backup_path, tmp, expected, copy, options.force));
  // Locked before the current database is moved or saved, so that a failure to lock changes
  // nothing; from the rename on, the copy is the database and is already covered.
  SettleGuard settle(options.writer_lock);
  if (options.writer_lock) SAFEMIG_TRY_VOID(options.writer_lock->lock_replacement(tmp));

  RestoreResult result;
  result.restored_from = backup_path;
  if (db_exists && options.keep_current_as_failed) {
    SAFEMIG_TRY(result.kept_as_failed, preserve_failed_database(db_path));
  } else if (db_exists) {
    SAFEMIG_TRY_VOID(save_current(db_path, options, result));
  }

  for (const char* suffix : kCompanionSuffixes) {
    SAFEMIG_TRY_VOID(internal::remove_if_exists(db_path + suffix));
  }
  SAFEMIG_TRY_VOID(internal::rename_replace(tmp, db_path));
  guard.release();
  SAFEMIG_TRY_VOID(settle.settle());
  SAFEMIG_TRY_VOID(internal::fsync_directory(internal::dir_name(db_path)));
  spdlog::info("restored {} from {}{}", db_path, backup_path,
               result.before_restore
                   ? " (previous database saved as " + result.before_restore->path + ")"
                   : std::string());
  return result;
}

Result<std::string> preserve_failed_database(const std::string& db_path) {
  SAFEMIG_TRY(bool exists, internal::path_exists(db_path));
  if (!exists) {
    return fail(Error(ErrorCode::not_found, "there is no database at " + db_path + " to keep")
                    .with_file(db_path));
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string target;
  for (int sequence = 1; target.empty(); ++sequence) {
    if (sequence > kMaxFailedNames) {
      return fail(ErrorCode::io, "no free name to keep the failed database " + db_path +
                                     "; remove old " + db_path + ".failed-* files");
    }
    std::string candidate = internal::failed_database_path(db_path, now, sequence);
    bool companion_taken = false;
    for (const char* suffix : kCompanionSuffixes) {
      SAFEMIG_TRY(bool taken, internal::path_exists(candidate + suffix));
      companion_taken = companion_taken || taken;
    }
    if (companion_taken) continue;
    SAFEMIG_TRY(bool renamed, internal::rename_no_replace(db_path, candidate));
    if (renamed) target = candidate;
  }
  for (const char* suffix : kCompanionSuffixes) {
    SAFEMIG_TRY(bool present, internal::path_exists(db_path + suffix));
    if (present) SAFEMIG_TRY_VOID(internal::rename_replace(db_path + suffix, target + suffix));
  }
  SAFEMIG_TRY_VOID(internal::fsync_directory(internal::dir_name(db_path)));
  spdlog::warn("kept the failed database {} as {}", db_path, target);
  return target;
}

}  // namespace safemig::backup
