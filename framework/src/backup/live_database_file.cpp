// Implements live_database_file.h; the contract and the thread-safety rule are stated there.
#include "live_database_file.h"

#include "safemig/db/sqlite_connection.h"

namespace safemig::backup::internal {
namespace {

Error read_error(const std::string& db_path, int rc) {
  return Error(db::map_sqlite_code(rc),
               "cannot read " + db_path + ": " + sqlite3_errstr(rc) + "; check the disk and retry")
      .with_file(db_path);
}

}  // namespace

Result<CopySource> live_database_source(sqlite3* source, const std::string& db_path) {
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(source, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc != SQLITE_OK || file == nullptr || file->pMethods == nullptr) {
    return fail(ErrorCode::internal,
                "the connection to " + db_path + " has no open database file to copy");
  }
  sqlite3_int64 size = 0;
  rc = file->pMethods->xFileSize(file, &size);
  if (rc != SQLITE_OK) return fail(read_error(db_path, rc));

  CopySource out;
  out.path = db_path;
  out.size = static_cast<std::uint64_t>(size);
  out.read_at = [file, db_path](unsigned char* buffer, std::size_t n,
                                std::uint64_t offset) -> Result<std::size_t> {
    const int read_rc = file->pMethods->xRead(file, buffer, static_cast<int>(n),
                                              static_cast<sqlite3_int64>(offset));
    // A short read means the file ended early; the bytes past its end were zero-filled.
    if (read_rc == SQLITE_IOERR_SHORT_READ) return std::size_t{0};
    if (read_rc != SQLITE_OK) return fail(read_error(db_path, read_rc));
    return n;
  };
  return out;
}

}  // namespace safemig::backup::internal
