// Tests of create_file_backup: both copy paths, gzip, naming, preconditions and OS failures.
#include "safemig/backup/file_backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <utility>

#include <sqlite3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/backup/restore.h"
#include "safemig/backup/retention.h"
#include "safemig/backup/verify.h"
#include "support/matchers.h"
#include "support/temp_dir.h"
#include "test_databases.h"

namespace safemig::backup {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::read_file;
using ::safemig::testing::TempDir;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using namespace testing;  // safemig::backup::testing helpers.

class FileBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = open_writer(db_);
    ASSERT_NE(conn_, nullptr);
    add_items(*conn_, 1500);
    // The rows are still in the WAL: the backup must checkpoint (or read through) it.
    ASSERT_GT(size_of(db_ + "-wal"), 0u);
    expected_rows_ = query_items(*conn_);
    ASSERT_EQ(expected_rows_.size(), 1500u);
  }

  TempDir dir_;
  std::string db_ = dir_.file("t.db");
  std::unique_ptr<db::Connection> conn_;
  std::vector<std::string> expected_rows_;
};

TEST_F(FileBackupTest, QuiescentBackupOfWalDatabaseEqualsSource) {
  BackupOptions options;
  options.from_version = 3;
  std::uint64_t last_done = 0, last_total = 0;
  options.progress = [&](std::uint64_t done, std::uint64_t total) {
    last_done = done;
    last_total = total;
  };
  auto info = create_file_backup(*conn_, options);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->path, MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v3-[0-9]+"));
  EXPECT_EQ(info->version, 3);
  EXPECT_FALSE(info->gzip);
  EXPECT_EQ(info->label, "");
  EXPECT_EQ(info->size_bytes, size_of(info->path));
  EXPECT_EQ(info->size_bytes, size_of(db_));  // The WAL was checkpointed into the main file.
  EXPECT_EQ(read_file(info->path + ".sha256"),
            info->sha256 + "  " + info->path.substr(dir_.path().string().size() + 1) + "\n");
  EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);
  EXPECT_EQ(read_items(info->path), expected_rows_);
  EXPECT_THAT(verify_backup(info->path, {.deep = true, .progress = {}}), IsOk());
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(last_total, info->size_bytes);
  EXPECT_FALSE(exists(info->path + ".partial"));
  EXPECT_FALSE(exists(info->path + "-wal"));
}

// The copy must not cost the connection its SQLite locks (closing a second descriptor of the
// file would). Without them, another process's connection closing takes itself for the last one
// and deletes the WAL, and the commits that follow land in a deleted file.
TEST_F(FileBackupTest, BackupKeepsTheConnectionsLocksSoOtherProcessesLeaveTheWal) {
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "copy");
    BackupOptions options;
    options.gzip = gzip;
    ASSERT_THAT(create_file_backup(*conn_, options), IsOk());
    const auto before = static_cast<long>(query_items(*conn_).size());
    ASSERT_EQ(count_items_with_sqlite3_tool(db_), before);
    add_items(*conn_, 10);
    EXPECT_TRUE(exists(db_ + "-wal"));
    EXPECT_EQ(count_items_with_sqlite3_tool(db_), before + 10);
  }
}

TEST_F(FileBackupTest, OnlineBackupEqualsSource) {
  BackupOptions options;
  options.from_version = 2;
  options.quiescent = false;
  auto info = create_file_backup(*conn_, options);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->path, MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v2-[0-9]+"));
  EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);
  EXPECT_EQ(read_items(info->path), expected_rows_);
  EXPECT_THAT(verify_backup(info->path, {.deep = true, .progress = {}}), IsOk());
  // The online path leaves the source's WAL alone.
  EXPECT_GT(size_of(db_ + "-wal"), 0u);
}

TEST_F(FileBackupTest, QuiescentFallsBackToOnlineWhenAReaderPinsTheWal) {
  ASSERT_THAT(conn_->execute("PRAGMA busy_timeout = 50"), IsOk());
  db::SqliteOptions reader_options;
  reader_options.read_only = true;
  auto reader = db::open_sqlite(db_, reader_options);
  ASSERT_THAT(reader, IsOk());
  ASSERT_THAT((*reader)->begin(db::TransactionMode::deferred), IsOk());
  ASSERT_THAT((*reader)->query("SELECT count(*) FROM items"), IsOk());
  add_items(*conn_, 10);  // Committed after the reader's snapshot.
  const std::uint64_t fallbacks_before = online_fallback_count();

  auto info = create_file_backup(*conn_, BackupOptions{});
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(online_fallback_count(), fallbacks_before + 1);
  EXPECT_EQ(read_items(info->path).size(), 1510u);
  EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);
  ASSERT_THAT((*reader)->rollback(), IsOk());
}

TEST_F(FileBackupTest, GzipBackupIsAVerifiedGzipStream) {
  BackupOptions options;
  options.from_version = 4;
  options.gzip = true;
  options.label = "nightly";
  auto info = create_file_backup(*conn_, options);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->path,
              MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v4-nightly-[0-9]+\\.gz"));
  EXPECT_TRUE(info->gzip);
  EXPECT_EQ(info->label, "nightly");
  EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);
  EXPECT_EQ(std::system(("gzip -t '" + info->path + "'").c_str()), 0);
  EXPECT_THAT(verify_backup(info->path, {.deep = true, .progress = {}}), IsOk());
}

TEST_F(FileBackupTest, OnlineGzipBackupVerifies) {
  BackupOptions options;
  options.gzip = true;
  options.quiescent = false;
  auto info = create_file_backup(*conn_, options);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->path, EndsWith(".gz"));
  EXPECT_THAT(verify_backup(info->path), IsOk());
  EXPECT_FALSE(exists(info->path + ".partial-raw"));
}

TEST_F(FileBackupTest, InsideATransactionIsFailedPrecondition) {
  ASSERT_THAT(conn_->begin(db::TransactionMode::immediate), IsOk());
  EXPECT_THAT(create_file_backup(*conn_, BackupOptions{}),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("inside a transaction")));
  ASSERT_THAT(conn_->rollback(), IsOk());
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_TRUE(listed->empty());
}

TEST_F(FileBackupTest, BackupsWithinOneSecondGetTheNextSequence) {
  BackupOptions options;
  options.from_version = 1;
  options.created_at = std::chrono::system_clock::now();
  auto first = create_file_backup(*conn_, options);
  auto second = create_file_backup(*conn_, options);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(first->path, EndsWith("-v1-1"));
  EXPECT_EQ(second->path, first->path.substr(0, first->path.size() - 1) + "2");
  EXPECT_EQ(sha256sum_check(second->path + ".sha256"), 0);
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].path, second->path);  // Newest first.
  EXPECT_EQ((*listed)[1].path, first->path);
}

// A backup pruned away used to free its name: the next backup with the same stamp took it, so a
// history row naming the pruned backup pointed at another file.
TEST_F(FileBackupTest, APrunedBackupsNameIsNeverGivenToAnotherBackup) {
  BackupOptions options;
  options.from_version = 1;
  options.created_at = std::chrono::sys_days(std::chrono::year{2024} / 1 / 2);
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) {
    auto info = create_file_backup(*conn_, options);
    ASSERT_THAT(info, IsOk());
    names.push_back(info->path);
    ASSERT_THAT(prune_backups(db_, 1), IsOk());
    EXPECT_EQ(list_backups(db_)->size(), 1u);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end()) << names.size();
}

TEST_F(FileBackupTest, SixtyFourBitVersionIsInTheName) {
  BackupOptions options;
  options.from_version = 20240313170000;
  auto info = create_file_backup(*conn_, options);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->path, MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v20240313170000-1"));
  EXPECT_EQ(info->version, std::int64_t{20240313170000});
}

TEST_F(FileBackupTest, NegativeVersionIsInvalidInput) {
  BackupOptions options;
  options.from_version = -1;
  EXPECT_THAT(create_file_backup(*conn_, options),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("backup version must be >= 0, got -1")));
}

TEST_F(FileBackupTest, SqliteSuffixAsLabelIsInvalidInput) {
  for (const char* label : {"wal", "shm", "journal"}) {
    BackupOptions options;
    options.label = label;
    EXPECT_THAT(create_file_backup(*conn_, options),
                ErrorIs(ErrorCode::invalid_input, HasSubstr("backup label '" + std::string(label))))
        << label;
  }
  EXPECT_TRUE(list_backups(db_)->empty());
}

TEST_F(FileBackupTest, ADamagedSequenceFileIsCorruptAndNothingIsWritten) {
  ::safemig::testing::write_file(db_ + ".safemig-backup-sequence", "not a number\n");
  EXPECT_THAT(create_file_backup(*conn_, BackupOptions{}),
              ErrorIs(ErrorCode::corrupt, HasSubstr("backup sequence file")));
  EXPECT_TRUE(list_backups(db_)->empty());
}

// SQLite header bytes 18 and 19: 1 in rollback-journal mode, 2 in WAL mode.
std::pair<int, int> format_versions(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 100) return {-1, -1};
  return {static_cast<unsigned char>(bytes[18]), static_cast<unsigned char>(bytes[19])};
}

struct Sqlite3Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

std::string exec_text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    return out;
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  return out;
}

// Backups are copies of a WAL database; as WAL databases, opening one with the sqlite3 shell left
// <backup>-wal and <backup>-shm beside it. Every way of writing one stores a single-file database
// in rollback-journal mode, and the sidecar matches those final bytes.
TEST_F(FileBackupTest, ABackupIsASingleFileDatabaseThatOpensWithoutSideFiles) {
  ASSERT_EQ(format_versions(db_), std::make_pair(2, 2));
  for (bool quiescent : {true, false}) {
    SCOPED_TRACE(quiescent ? "file copy" : "online backup API");
    BackupOptions options;
    options.quiescent = quiescent;
    auto info = create_file_backup(*conn_, options);
    ASSERT_THAT(info, IsOk());
    EXPECT_EQ(format_versions(info->path), std::make_pair(1, 1));
    EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);
    EXPECT_THAT(verify_backup(info->path, {.deep = true, .progress = {}}), IsOk());

    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(info->path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    std::unique_ptr<sqlite3, Sqlite3Closer> db(raw);
    EXPECT_EQ(exec_text(db.get(), "PRAGMA journal_mode"), "delete");
    EXPECT_EQ(exec_text(db.get(), "SELECT count(*) FROM items"), "1500");
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      EXPECT_FALSE(exists(info->path + suffix)) << suffix << " while open";
    }
    db.reset();
    EXPECT_EQ(count_items_with_sqlite3_tool(info->path), 1500);  // The sqlite3 shell.
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      EXPECT_FALSE(exists(info->path + suffix)) << suffix << " after the shell";
    }
    EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);  // Reading changed nothing.
  }
  // The source database keeps its WAL mode.
  EXPECT_EQ(format_versions(db_), std::make_pair(2, 2));
}

TEST_F(FileBackupTest, AGzipBackupHoldsARollbackJournalDatabase) {
  for (bool quiescent : {true, false}) {
    SCOPED_TRACE(quiescent ? "file copy" : "online backup API");
    BackupOptions options;
    options.gzip = true;
    options.quiescent = quiescent;
    auto info = create_file_backup(*conn_, options);
    ASSERT_THAT(info, IsOk());
    const std::string plain = dir_.file(quiescent ? "copy.db" : "online.db");
    ASSERT_EQ(std::system(("gzip -dc '" + info->path + "' > '" + plain + "'").c_str()), 0);
    EXPECT_EQ(format_versions(plain), std::make_pair(1, 1));
    EXPECT_EQ(read_items(plain), expected_rows_);
    EXPECT_EQ(sha256sum_check(info->path + ".sha256"), 0);
  }
}

// A database restored from a (rollback-journal) backup works, and a connection that asks for WAL,
// as the services' connections do, puts it back in WAL mode.
TEST_F(FileBackupTest, ADatabaseRestoredFromABackupReturnsToWalMode) {
  auto info = create_file_backup(*conn_, BackupOptions{});
  ASSERT_THAT(info, IsOk());
  conn_.reset();
  const std::string restored_db = dir_.file("restored.db");
  ASSERT_THAT(restore_backup(info->path, restored_db), IsOk());
  EXPECT_EQ(format_versions(restored_db), std::make_pair(1, 1));
  auto conn = db::open_sqlite(restored_db, db::SqliteOptions{});
  ASSERT_THAT(conn, IsOk());
  auto mode = (*conn)->query_one("PRAGMA journal_mode");
  ASSERT_THAT(mode, IsOk());
  EXPECT_EQ(mode->text(0), "wal");
  EXPECT_EQ(query_items(**conn), expected_rows_);
  add_items(**conn, 5);
  EXPECT_TRUE(exists(restored_db + "-wal"));
  EXPECT_EQ(query_items(**conn).size(), expected_rows_.size() + 5);
  conn->reset();
  EXPECT_EQ(format_versions(restored_db), std::make_pair(2, 2));
  EXPECT_EQ(read_items(restored_db).size(), expected_rows_.size() + 5);
}

TEST_F(FileBackupTest, BadLabelIsInvalidInput) {
  BackupOptions options;
  options.label = "../x";
  EXPECT_THAT(create_file_backup(*conn_, options),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("backup label '../x'")));
}

TEST_F(FileBackupTest, WriteFailureLeavesNothingUnderTheFinalName) {
  // Works as root too: the temporary name is taken by a directory, which cannot be replaced.
  BackupOptions options;
  options.from_version = 1;
  options.created_at = std::chrono::sys_days(std::chrono::year{2024} / 1 / 2);
  const std::string final_path = dir_.file("t.db.backup-20240102-000000-v1-1");
  ASSERT_TRUE(std::filesystem::create_directory(final_path + ".partial"));
  EXPECT_THAT(create_file_backup(*conn_, options),
              ErrorIs(ErrorCode::io, HasSubstr(final_path + ".partial: Is a directory")));
  EXPECT_FALSE(exists(final_path));
  EXPECT_FALSE(exists(final_path + ".sha256"));
  EXPECT_TRUE(list_backups(db_)->empty());
}

TEST_F(FileBackupTest, UnwritableDirectoryIsIoWithAdvice) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into a 0500 directory";
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0500), 0);
  auto info = create_file_backup(*conn_, BackupOptions{});
  ::chmod(dir_.path().c_str(), 0700);
  EXPECT_THAT(info,
              ErrorIs(ErrorCode::io, ::testing::AllOf(HasSubstr("Permission denied"),
                                                      HasSubstr("make the directory writable"))));
}

}  // namespace
}  // namespace safemig::backup
