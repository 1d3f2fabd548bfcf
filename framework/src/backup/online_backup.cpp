// Implements online_backup.h; the contract and the thread-safety rule are stated there.
#include "online_backup.h"

#include <sqlite3.h>

#include <memory>

#include "safemig/db/sqlite_connection.h"

namespace safemig::backup::internal {
namespace {

constexpr int kPagesPerStep = 4096;
constexpr int kBusySleepMs = 10;
constexpr int kMaxBusyRetries = 1000;  // About ten seconds.

struct Sqlite3Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

Error backup_error(int rc, const std::string& detail, const std::string& source_path,
                   const std::string& dst_path) {
  return Error(db::map_sqlite_code(rc),
               "online backup of " + source_path + " into " + dst_path + " failed: " + detail)
      .with_file(source_path);
}

}  // namespace

Result<void> online_backup_to_file(sqlite3* source, const std::string& source_path,
                                   const std::string& dst_path, const Progress& progress) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(dst_path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Sqlite3Closer> dst(raw);
  if (rc != SQLITE_OK) {
    return fail(Error(ErrorCode::io, "cannot create " + dst_path + ": " +
                                         (dst ? sqlite3_errmsg(dst.get()) : sqlite3_errstr(rc)) +
                                         "; make the directory writable")
                    .with_file(dst_path));
  }
  // The destination is a private temporary file, fsynced by the caller: no journal needed.
  rc = sqlite3_exec(dst.get(), "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", nullptr, nullptr,
                    nullptr);
  if (rc != SQLITE_OK) {
    return fail(backup_error(rc, sqlite3_errmsg(dst.get()), source_path, dst_path));
  }
  sqlite3_backup* backup = sqlite3_backup_init(dst.get(), "main", source, "main");
  if (backup == nullptr) {
    return fail(
        backup_error(sqlite3_errcode(dst.get()), sqlite3_errmsg(dst.get()), source_path, dst_path));
  }
  int busy_retries = 0;
  for (;;) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    int total = sqlite3_backup_pagecount(backup);
    int remaining = sqlite3_backup_remaining(backup);
    if (progress && total > 0) {
      progress(static_cast<std::uint64_t>(total - remaining), static_cast<std::uint64_t>(total));
    }
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++busy_retries < kMaxBusyRetries) {
      sqlite3_sleep(kBusySleepMs);
      continue;
    }
    break;
  }
  int finish_rc = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    std::string detail = sqlite3_errstr(rc);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      detail += "; another connection kept the database locked, retry when it is idle";
    }
    return fail(backup_error(rc, detail, source_path, dst_path));
  }
  if (finish_rc != SQLITE_OK) {
    return fail(backup_error(finish_rc, sqlite3_errmsg(dst.get()), source_path, dst_path));
  }
  sqlite3* closing = dst.release();
  rc = sqlite3_close(closing);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(closing);
    return fail(backup_error(rc, "closing the copy failed", source_path, dst_path));
  }
  return {};
}

}  // namespace safemig::backup::internal
