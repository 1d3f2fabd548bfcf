// Implements test_databases.h (test-only helpers; single-threaded).
#include "test_databases.h"

#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace safemig::backup::testing {

std::unique_ptr<db::Connection> open_writer(const std::string& path) {
  auto conn = db::open_sqlite(path);
  if (!conn) {
    ADD_FAILURE() << "cannot open " << path << ": " << conn.error().describe();
    return nullptr;
  }
  return std::move(*conn);
}

void add_items(db::Connection& conn, int rows) {
  auto created = conn.execute(
      "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, payload BLOB)");
  ASSERT_TRUE(created) << created.error().describe();
  auto inserted = conn.execute(
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
      "INSERT INTO items (name, payload) SELECT 'item-' || x, randomblob(300) FROM n",
      {db::Value(std::int64_t{rows})});
  ASSERT_TRUE(inserted) << inserted.error().describe();
}

std::vector<std::string> read_items(const std::string& path) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  const std::string uri = "file:" + path + "?mode=ro&immutable=1";
  if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  const char* sql = "SELECT id || '|' || name || '|' || hex(payload) FROM items ORDER BY id";
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot read items of " << path << ": " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return rows;
}

std::vector<std::string> query_items(db::Connection& conn) {
  std::vector<std::string> out;
  auto rows = conn.query("SELECT id || '|' || name || '|' || hex(payload) FROM items ORDER BY id");
  if (!rows) {
    ADD_FAILURE() << "cannot read items: " << rows.error().describe();
    return out;
  }
  for (const auto& row : *rows) out.push_back(row.text(0));
  return out;
}

void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file) << path;
  file.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  file.get(c);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(c ^ 0xFF));
  ASSERT_TRUE(file) << path;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

std::uint64_t size_of(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

namespace {
int run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
std::string dir_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}
std::string base_of(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}
}  // namespace

long count_items_with_sqlite3_tool(const std::string& path) {
  const std::string command = "sqlite3 '" + path + "' 'SELECT count(*) FROM items' 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  long count = -1;
  if (std::fscanf(pipe, "%ld", &count) != 1) count = -1;
  return ::pclose(pipe) == 0 ? count : -1;
}

int sha256sum_check(const std::string& sidecar) {
  return run("cd '" + dir_of(sidecar) + "' && sha256sum -c --status '" + base_of(sidecar) +
             "' 2>/dev/null");
}

void write_sidecar_with_tool(const std::string& path) {
  ASSERT_EQ(run("cd '" + dir_of(path) + "' && sha256sum '" + base_of(path) + "' > '" +
                base_of(path) + ".sha256'"),
            0);
}

}  // namespace safemig::backup::testing
