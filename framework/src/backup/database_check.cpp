// Implements database_check.h; the contract and the thread-safety rule are stated there.
#include "database_check.h"

#include <fcntl.h>
#include <sqlite3.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "posix_file.h"
#include "safemig/db/sqlite_connection.h"

namespace safemig::backup::internal {
namespace {

constexpr std::size_t kHeaderSize = 100;
constexpr char kMagic[] = "SQLite format 3";  // Followed by a NUL: 16 bytes.
constexpr int kMaxIntegrityMessages = 5;

struct Sqlite3Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, Sqlite3Closer>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::string immutable_uri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '?' || c == '#' || c == '%') {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", static_cast<unsigned char>(c));
      uri += buffer;
    } else {
      uri += c;
    }
  }
  return uri + "?mode=ro&immutable=1";
}

Error sqlite_error(sqlite3* db, int rc, const std::string& path, const std::string& sql) {
  ErrorCode code = db::map_sqlite_code(rc);
  std::string what = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message;
  if (code == ErrorCode::not_a_database) {
    message = path + " is not a SQLite database (" + what + ")";
  } else if (code == ErrorCode::corrupt) {
    message = path + " is damaged (" + what + "); use another backup";
  } else {
    message = "cannot read " + path + " as a database: " + what;
  }
  return Error(code, std::move(message)).with_file(path).with_sql(sql);
}

// Runs `sql` and returns the first column of every row as text.
Result<std::vector<std::string>> query_texts(sqlite3* db, const std::string& path,
                                             const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  StmtHandle stmt(raw);
  if (rc != SQLITE_OK) return fail(sqlite_error(db, rc, path, sql));
  std::vector<std::string> rows;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
    rows.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  if (rc != SQLITE_DONE) return fail(sqlite_error(db, rc, path, sql));
  return rows;
}

std::uint32_t big_endian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

struct Header {
  std::uint64_t file_size = 0;
  std::uint32_t page_size = 0;
  // The in-header database size in pages; 0 when the header does not vouch for it (its change
  // counter and version-valid-for number differ).
  std::uint32_t pages = 0;
};

Result<Header> read_header(const std::string& path) {
  Header out;
  SAFEMIG_TRY(UniqueFd fd, open_file(path, O_RDONLY, 0, "cannot open"));
  SAFEMIG_TRY(out.file_size, file_size(fd.get(), path));
  unsigned char header[kHeaderSize];
  SAFEMIG_TRY(std::size_t n, read_full(fd.get(), header, sizeof header, path));
  if (n < kHeaderSize || std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    return fail(Error(ErrorCode::not_a_database,
                      path + " is not a SQLite database (it does not start with the SQLite "
                             "header); choose a backup made by safemig")
                    .with_file(path));
  }
  std::uint32_t page_size = (std::uint32_t{header[16]} << 8) | header[17];
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
    return fail(Error(ErrorCode::corrupt, path + " has an invalid page size in its header; "
                                                 "use another backup")
                    .with_file(path));
  }
  out.page_size = page_size;
  if (big_endian32(header + 24) == big_endian32(header + 92)) out.pages = big_endian32(header + 28);
  return out;
}

Error truncated(const std::string& path, std::uint64_t pages, const Header& header) {
  return Error(ErrorCode::corrupt,
               path + " is truncated: the database has " + std::to_string(pages) + " pages of " +
                   std::to_string(header.page_size) + " bytes but the file " + "holds " +
                   std::to_string(header.file_size) + " bytes; use another backup")
      .with_file(path);
}

}  // namespace

Result<void> check_database_file(const std::string& path, bool deep) {
  SAFEMIG_TRY(Header header, read_header(path));
  // Checked before SQLite reads the file: on a truncated file it reports only "malformed".
  if (std::uint64_t{header.pages} * header.page_size > header.file_size) {
    return fail(truncated(path, header.pages, header));
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(immutable_uri(path).c_str(), &raw,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return fail(sqlite_error(db.get(), rc, path, ""));
  SAFEMIG_TRY_VOID(query_texts(db.get(), path, "SELECT count(*) FROM sqlite_master"));
  SAFEMIG_TRY(auto pages, query_texts(db.get(), path, "PRAGMA page_count"));
  std::uint64_t page_count = 0;
  if (!pages.empty()) {
    const std::string& text = pages.front();
    std::from_chars(text.data(), text.data() + text.size(), page_count);
  }
  if (page_count * header.page_size > header.file_size) {
    return fail(truncated(path, page_count, header));
  }
  if (!deep) return {};
  const std::string sql = "PRAGMA integrity_check(" + std::to_string(kMaxIntegrityMessages) + ")";
  SAFEMIG_TRY(auto findings, query_texts(db.get(), path, sql));
  if (findings.size() == 1 && findings.front() == "ok") return {};
  std::string message = path + " fails integrity_check:";
  for (const auto& finding : findings) message += " " + finding + ";";
  message += " use another backup";
  return fail(Error(ErrorCode::corrupt, std::move(message)).with_file(path).with_sql(sql));
}

}  // namespace safemig::backup::internal
