// bench_file_backup DB: one verified file backup of DB (benchmark 2, timed by file_backup.sh).
//
// Does what the migration manager does before a step: takes the single-writer lock, opens DB as
// the writer does (WAL, synchronous=NORMAL) and calls backup::create_file_backup on the quiescent
// path (WAL checkpoint, a copy through SQLite's file handle while hashing with SHA-256, fsync,
// re-read and verify, rename). The whole process is timed, so opening the database is included.
// Prints the backup's path, size and SHA-256 on stdout.
#include <cstdio>
#include <string>

#include "safemig/backup/file_backup.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_file_backup DB\n");
    return 2;
  }
  const std::string path = argv[1];
  auto fail = [](const safemig::Error& e) {
    std::fprintf(stderr, "bench_file_backup: %s\n", e.describe().c_str());
    return 1;
  };
  auto lock = safemig::db::WriterLock::acquire(path, "bench_file_backup");
  if (!lock) return fail(lock.error());
  safemig::db::SqliteOptions options;
  options.create = false;
  auto conn = safemig::db::open_sqlite(path, options);
  if (!conn) return fail(conn.error());
  safemig::backup::BackupOptions backup_options;
  backup_options.quiescent = true;
  auto info = safemig::backup::create_file_backup(**conn, backup_options);
  if (!info) return fail(info.error());
  if (safemig::backup::online_fallback_count() != 0) {
    std::fprintf(stderr, "bench_file_backup: the quiescent path fell back to the online API\n");
    return 1;
  }
  std::printf("%s %llu %s\n", info->path.c_str(), static_cast<unsigned long long>(info->size_bytes),
              info->sha256.c_str());
  return 0;
}
