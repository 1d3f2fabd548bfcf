// Helpers for the backup tests: populated SQLite databases in a TempDir, reading a database's
// rows without touching it, and small file manipulations (flip a byte, run sha256sum -c).
//
// Thread safety: test-only, single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/db/sqlite_connection.h"

namespace safemig::backup::testing {

// Opens (creating) a writable WAL database; adds a test failure and returns nullptr on error.
std::unique_ptr<db::Connection> open_writer(const std::string& path);

// Creates table `items(id INTEGER PRIMARY KEY, name TEXT, payload BLOB)` if needed and appends
// `rows` rows whose payloads make the database span many pages.
void add_items(db::Connection& conn, int rows);

// Every row of `items` (id order) read through an immutable read-only open: the file and its
// directory are not modified. Each row is rendered "id|name|hex(payload)".
std::vector<std::string> read_items(const std::string& path);

// The same rendering of `items`, read through a connection (sees its uncommitted WAL too).
std::vector<std::string> query_items(db::Connection& conn);

// XORs the byte at `offset` with 0xFF.
void flip_byte(const std::string& path, std::uint64_t offset);

bool exists(const std::string& path);
std::uint64_t size_of(const std::string& path);

// The number of rows in `items`, counted by the sqlite3 command-line tool: another process, with
// a read-write connection that checkpoints and removes the WAL when it closes if it believes it
// is the database's last connection. Returns -1 when the tool fails.
long count_items_with_sqlite3_tool(const std::string& path);

// Runs `sha256sum -c --status <sidecar>` in the sidecar's directory; returns its exit status.
int sha256sum_check(const std::string& sidecar);
// Writes "<sha256sum of path>  <basename>\n" to <path>.sha256 with the sha256sum tool.
void write_sidecar_with_tool(const std::string& path);

}  // namespace safemig::backup::testing
