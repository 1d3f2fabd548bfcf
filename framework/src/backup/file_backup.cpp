// Implements safemig/backup/file_backup.h; the contract and the thread-safety rule are stated
// there.
#include "safemig/backup/file_backup.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "backup_naming.h"
#include "file_copy.h"
#include "live_database_file.h"
#include "online_backup.h"
#include "posix_file.h"
#include "safemig/db/sqlite_connection.h"
#include "sha256.h"
#include "stored_backup.h"

namespace safemig::backup {
namespace {

using internal::FileRef;
using internal::UniqueFd;

std::atomic<std::uint64_t> g_online_fallbacks{0};

constexpr std::string_view kWritableAdvice = "make the directory writable";

struct Written {
  std::string sha256;
  std::uint64_t size = 0;
};

// Checkpoints the whole WAL into the main file. Returns false when a reader pins the WAL so the
// main file may not hold every committed page.
Result<bool> checkpoint_truncate(db::Connection& source) {
  SAFEMIG_TRY(db::Row row, source.query_one("PRAGMA wal_checkpoint(TRUNCATE)"));
  return row.size() == 0 || row.int64(0) == 0;
}

Result<UniqueFd> create_partial(const std::string& db_path, const std::string& partial,
                                unsigned mode) {
  SAFEMIG_TRY_VOID(internal::remove_if_exists(partial));
  SAFEMIG_TRY(UniqueFd fd, internal::open_file(partial, O_WRONLY | O_CREAT | O_EXCL, mode,
                                               "cannot write the backup of " + db_path + " to",
                                               kWritableAdvice));
  SAFEMIG_TRY_VOID(internal::set_permission_bits(fd.get(), mode, partial));
  return fd;
}

// Copies (or gzips) the main database file into `partial` in rollback-journal mode, fsynced.
// The file is read through the connection's own handle (live_database_file.h says why it is
// never opened again).
Result<Written> write_by_copy(sqlite3* source, const std::string& db_path,
                              const std::string& partial, bool gzip, unsigned mode,
                              const Progress& progress) {
  SAFEMIG_TRY(internal::CopySource live, internal::live_database_source(source, db_path));
  const internal::CopySource from = internal::with_rollback_journal_header(std::move(live));
  SAFEMIG_TRY(UniqueFd dst, create_partial(db_path, partial, mode));
  FileRef to{dst.get(), partial};
  SAFEMIG_TRY(internal::CopyResult copied, gzip ? internal::gzip_and_hash(from, to, progress)
                                                : internal::copy_and_hash(from, to, progress));
  SAFEMIG_TRY_VOID(internal::fsync_fd(dst.get(), partial));
  SAFEMIG_TRY_VOID(dst.close(partial));
  return Written{copied.sha256, copied.bytes_out};
}

// Copies the database through the online backup API into `partial` in rollback-journal mode
// (gzipped from an intermediate file when asked), fsynced. The API copies page 1 as the source
// has it, WAL mode included.
Result<Written> write_online(sqlite3* handle, const std::string& db_path,
                             const std::string& partial, bool gzip, unsigned mode,
                             const Progress& progress) {
  const std::string raw = gzip ? partial + "-raw" : partial;
  internal::TempFileGuard raw_guard(raw);
  SAFEMIG_TRY_VOID(internal::remove_if_exists(raw));
  SAFEMIG_TRY_VOID(internal::online_backup_to_file(handle, db_path, raw, progress));
  if (!gzip) raw_guard.release();  // The caller's guard owns `partial`.
  SAFEMIG_TRY(UniqueFd src, internal::open_file(raw, O_RDWR, 0, "cannot read the copy"));
  SAFEMIG_TRY_VOID(internal::set_rollback_journal_file(FileRef{src.get(), raw}));
  if (!gzip) {
    SAFEMIG_TRY_VOID(internal::set_permission_bits(src.get(), mode, raw));
    SAFEMIG_TRY_VOID(internal::fsync_fd(src.get(), raw));
    SAFEMIG_TRY(std::uint64_t size, internal::file_size(src.get(), raw));
    SAFEMIG_TRY(std::string hex, internal::sha256_file(raw));
    return Written{hex, size};
  }
  SAFEMIG_TRY(UniqueFd dst, create_partial(db_path, partial, mode));
  SAFEMIG_TRY(internal::CopySource raw_source,
              internal::descriptor_source(FileRef{src.get(), raw}));
  SAFEMIG_TRY(internal::CopyResult zipped,
              internal::gzip_and_hash(raw_source, FileRef{dst.get(), partial}, {}));
  SAFEMIG_TRY_VOID(internal::fsync_fd(dst.get(), partial));
  SAFEMIG_TRY_VOID(dst.close(partial));
  return Written{zipped.sha256, zipped.bytes_out};
}

Result<void> check_request(db::Connection& source, const BackupOptions& options) {
  const std::string db_path = source.location();
  if (source.in_transaction()) {
    return fail(ErrorCode::failed_precondition,
                "cannot back up " + db_path +
                    " inside a transaction: the copy would miss uncommitted work; commit or roll "
                    "back first");
  }
  if (source.dialect() != db::Dialect::sqlite || db_path.empty() || db_path == ":memory:") {
    return fail(ErrorCode::invalid_input,
                "file backups need a SQLite database file; '" + db_path + "' is not one");
  }
  if (options.from_version < 0) {
    return fail(ErrorCode::invalid_input,
                "backup version must be >= 0, got " + std::to_string(options.from_version));
  }
  if (!options.label.empty() && !internal::is_valid_label(options.label)) {
    return fail(ErrorCode::invalid_input,
                "backup label '" + options.label +
                    "' must be letters, digits and '_' with at least one non-digit");
  }
  return {};
}

// Publishes the verified `partial` under the reserved name `chosen`: its sidecar first, then the
// backup, renamed without ever replacing a file. A name found taken meanwhile is given up for the
// next one.
Result<std::pair<internal::BackupName, std::string>> publish(
    const std::string& db_path, const std::string& partial, const std::string& sha256,
    std::pair<internal::BackupName, std::string> chosen) {
  for (;;) {
    SAFEMIG_TRY_VOID(internal::write_sidecar(chosen.second, sha256));
    auto renamed = internal::rename_no_replace(partial, chosen.second);
    if (renamed && *renamed) return chosen;
    (void)internal::remove_if_exists(internal::sidecar_path(chosen.second));
    if (!renamed) return fail(renamed.error());
    SAFEMIG_TRY(chosen, internal::choose_backup_path(db_path, chosen.first));
  }
}

}  // namespace

std::uint64_t online_fallback_count() { return g_online_fallbacks.load(); }

Result<BackupInfo> create_file_backup(db::Connection& source, const BackupOptions& options) {
  SAFEMIG_TRY_VOID(check_request(source, options));
  const std::string db_path = source.location();
  const std::string dir = internal::dir_name(db_path);

  internal::BackupName name;
  name.created_at = std::chrono::floor<std::chrono::seconds>(
      options.created_at == std::chrono::system_clock::time_point{}
          ? std::chrono::system_clock::now()
          : options.created_at);
  name.version = options.from_version;
  name.label = options.label;
  name.gzip = options.gzip;
  SAFEMIG_TRY(auto first, internal::choose_backup_path(db_path, name));
  const std::string partial = first.second + ".partial";
  internal::TempFileGuard guard(partial);
  SAFEMIG_TRY(unsigned mode, internal::permission_bits(db_path));

  bool online = !options.quiescent;
  if (!online) {
    SAFEMIG_TRY(bool complete, checkpoint_truncate(source));
    if (!complete) {
      ++g_online_fallbacks;
      spdlog::warn(
          "backup of {}: a reader pins the WAL so the checkpoint could not complete; "
          "using the online backup API instead of a file copy",
          db_path);
      online = true;
    }
  }
  sqlite3* handle = db::sqlite_handle(source);
  if (handle == nullptr) {
    return fail(ErrorCode::invalid_input,
                "file backups need a SQLite connection; " + db_path + " is not one");
  }
  SAFEMIG_TRY(Written written,
              online
                  ? write_online(handle, db_path, partial, options.gzip, mode, options.progress)
                  : write_by_copy(handle, db_path, partial, options.gzip, mode, options.progress));

  auto verified = internal::verify_stored_file(partial, written.sha256, options.gzip, false, {});
  if (!verified) {
    return fail(Error(ErrorCode::corrupt, "the new backup of " + db_path +
                                              " failed verification after it was written (" +
                                              verified.error().message +
                                              "); check the disk and retry")
                    .with_file(partial));
  }

  SAFEMIG_TRY(auto published, publish(db_path, partial, written.sha256, std::move(first)));
  guard.release();
  const std::string& path = published.second;
  const internal::BackupName& published_name = published.first;
  SAFEMIG_TRY_VOID(internal::fsync_directory(dir));
  spdlog::info("backed up {} to {} ({} bytes, sha256 {}{})", db_path, path, written.size,
               written.sha256, online ? ", online backup API" : "");

  BackupInfo info;
  info.path = path;
  info.sha256 = written.sha256;
  info.size_bytes = written.size;
  info.version = published_name.version;
  info.label = published_name.label;
  info.gzip = published_name.gzip;
  info.created_at = published_name.created_at;
  return info;
}

}  // namespace safemig::backup
