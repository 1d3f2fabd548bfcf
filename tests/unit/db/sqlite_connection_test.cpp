#include "safemig/db/sqlite_connection.h"

#include <sqlite3.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fault_vfs.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::db {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;

TEST(SqliteConnection, CreatesDatabaseInWalModeWithForeignKeys) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  EXPECT_THAT((*conn)->query_one("PRAGMA journal_mode").map([](const Row& r) { return r.text(0); }),
              IsOkAndHolds(std::string("wal")));
  EXPECT_THAT((*conn)->query_int("PRAGMA foreign_keys"), IsOkAndHolds(1));
  EXPECT_THAT((*conn)->query_int("PRAGMA synchronous"), IsOkAndHolds(1));
  EXPECT_FALSE((*conn)->read_only());
  EXPECT_EQ((*conn)->dialect(), Dialect::sqlite);
}

TEST(SqliteConnection, BindsAndReadsEveryValueKind) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  Connection& c = **conn;
  ASSERT_THAT(c.execute("CREATE TABLE t(a, b, c, d, e)"), IsOk());
  ASSERT_THAT(c.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                        {Null{}, std::int64_t{42}, 2.5, std::string("it's"), Blob{1, 2, 255}}),
              IsOk());
  EXPECT_EQ(c.last_insert_id(), 1);
  EXPECT_EQ(c.changes(), 1);
  auto row = c.query_one("SELECT a, b, c, d, e FROM t");
  ASSERT_THAT(row, IsOk());
  EXPECT_TRUE(row->is_null(0));
  EXPECT_EQ(row->opt_int64(0), std::nullopt);
  EXPECT_EQ(row->int64(1), 42);
  EXPECT_DOUBLE_EQ(row->real(2), 2.5);
  EXPECT_EQ(row->text(3), "it's");
  EXPECT_EQ(std::get<Blob>(row->at(4)), (Blob{1, 2, 255}));
}

TEST(SqliteConnection, ReusesCachedStatementsAcrossCalls) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  Connection& c = **conn;
  ASSERT_THAT(c.execute("CREATE TABLE t(v INTEGER)"), IsOk());
  for (std::int64_t i = 0; i < 100; ++i)
    ASSERT_THAT(c.execute("INSERT INTO t VALUES (?)", {i}), IsOk());
  EXPECT_THAT(c.query_int("SELECT sum(v) FROM t"), IsOkAndHolds(4950));
  // A cached statement holds no lock between calls, so the table can be dropped.
  EXPECT_THAT(c.execute_script("DROP TABLE t"), IsOk());
}

TEST(SqliteConnection, WrongParameterCountIsInvalidInput) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  EXPECT_THAT((*conn)->execute("SELECT ?, ?", {std::int64_t{1}}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("takes 2 parameters but 1")));
}

TEST(SqliteConnection, SeveralStatementsWithParametersAreRefused) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  EXPECT_THAT((*conn)->execute("SELECT ?; SELECT 2", {std::int64_t{1}}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("only one statement")));
}

TEST(SqliteConnection, ScriptRunsEveryStatementAndNamesTheFailingOne) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  Connection& c = **conn;
  EXPECT_THAT(c.execute_script("CREATE TABLE a(x); -- comment\nINSERT INTO a VALUES (1);"), IsOk());
  auto bad = c.execute_script("INSERT INTO a VALUES (2); INSERT INTO missing VALUES (3);");
  ASSERT_THAT(bad, ErrorIs(ErrorCode::invalid_input, HasSubstr("no such table: missing")));
  EXPECT_THAT(bad.error().sql, HasSubstr("INSERT INTO missing"));
  EXPECT_THAT(c.query_int("SELECT count(*) FROM a"), IsOkAndHolds(2));
}

TEST(SqliteConnection, ConstraintViolationHasConstraintCode) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  ASSERT_THAT((*conn)->execute_script("CREATE TABLE t(id INTEGER PRIMARY KEY)"), IsOk());
  ASSERT_THAT((*conn)->execute("INSERT INTO t VALUES (1)"), IsOk());
  EXPECT_THAT((*conn)->execute("INSERT INTO t VALUES (1)"),
              ErrorIs(ErrorCode::constraint, HasSubstr("UNIQUE constraint failed")));
}

TEST(SqliteConnection, ReadOnlyConnectionRefusesWrites) {
  TempDir dir;
  {
    auto writer = open_sqlite(dir.file("a.db"));
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT((*writer)->execute_script("CREATE TABLE t(v); INSERT INTO t VALUES (1);"), IsOk());
  }
  SqliteOptions options;
  options.read_only = true;
  auto reader = open_sqlite(dir.file("a.db"), options);
  ASSERT_THAT(reader, IsOk());
  EXPECT_TRUE((*reader)->read_only());
  EXPECT_THAT((*reader)->query_int("SELECT count(*) FROM t"), IsOkAndHolds(1));
  EXPECT_THAT((*reader)->execute("INSERT INTO t VALUES (2)"),
              ErrorIs(ErrorCode::read_only, HasSubstr("read-only")));
  EXPECT_THAT((*reader)->query_int("PRAGMA query_only"), IsOkAndHolds(1));
}

TEST(SqliteConnection, ReadOnlyOpenOfMissingFileCreatesNothing) {
  TempDir dir;
  SqliteOptions options;
  options.read_only = true;
  EXPECT_THAT(open_sqlite(dir.file("missing.db"), options),
              ErrorIs(ErrorCode::not_found, HasSubstr("does not exist")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db")));
}

TEST(SqliteConnection, FileThatIsNotADatabaseIsRefusedAndUntouched) {
  TempDir dir;
  const std::string path = dir.file("notes.db");
  const std::string contents(4096, 'x');
  ::safemig::testing::write_file(path, contents);
  EXPECT_THAT(open_sqlite(path),
              ErrorIs(ErrorCode::not_a_database, HasSubstr("not a SQLite database")));
  EXPECT_EQ(::safemig::testing::read_file(path), contents);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

// A file the process may not write (here: opened read-only by the VFS, since root writes any
// file) is refused at open, not at the first write.
TEST(SqliteConnection, WritableOpenOfAFileItCannotWriteIsReadOnly) {
  TempDir dir;
  const std::string path = dir.file("locked.db");
  {
    auto created = open_sqlite(path);
    ASSERT_THAT(created, IsOk());
    ASSERT_THAT((*created)->execute_script("CREATE TABLE t(x)"), IsOk());
  }
  auto& vfs = ::safemig::testing::FaultVfs::instance();
  vfs.open_main_files_read_only();
  SqliteOptions options;
  options.vfs = ::safemig::testing::FaultVfs::kName;
  auto writer = open_sqlite(path, options);
  options.read_only = true;
  auto reader = open_sqlite(path, options);
  vfs.disarm();
  EXPECT_THAT(writer, ErrorIs(ErrorCode::read_only, HasSubstr("is read-only for this process")));
  EXPECT_THAT(reader, IsOk());
}

TEST(SqliteConnection, DirectoryPathIsInvalidInput) {
  TempDir dir;
  EXPECT_THAT(open_sqlite(dir.path().string()),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("is a directory")));
}

TEST(SqliteConnection, MissingParentDirectoryIsIoError) {
  TempDir dir;
  EXPECT_THAT(open_sqlite(dir.file("no/such/dir/a.db")),
              ErrorIs(ErrorCode::io, HasSubstr("cannot open database")));
}

TEST(SqliteConnection, MapsResultCodes) {
  EXPECT_EQ(map_sqlite_code(SQLITE_BUSY_SNAPSHOT), ErrorCode::busy);
  EXPECT_EQ(map_sqlite_code(SQLITE_IOERR_FSYNC), ErrorCode::io);
  EXPECT_EQ(map_sqlite_code(SQLITE_CONSTRAINT_CHECK), ErrorCode::constraint);
  EXPECT_EQ(map_sqlite_code(SQLITE_CORRUPT), ErrorCode::corrupt);
  EXPECT_EQ(map_sqlite_code(SQLITE_FULL), ErrorCode::io);
  EXPECT_EQ(map_sqlite_code(SQLITE_NOTADB), ErrorCode::not_a_database);
}

}  // namespace
}  // namespace safemig::db
