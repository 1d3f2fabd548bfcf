// Tests of create_file_backup: both copy paths, gzip, naming, preconditions and OS failures.
#include "safemig/backup/file_backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  EXPECT_THAT(info->path, MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v3"));
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
  EXPECT_THAT(info->path, MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v2"));
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
  EXPECT_THAT(info->path, MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v4-nightly\\.gz"));
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

TEST_F(FileBackupTest, CollisionWithinOneSecondGetsANumericSuffix) {
  BackupOptions options;
  options.from_version = 1;
  options.created_at = std::chrono::system_clock::now();
  auto first = create_file_backup(*conn_, options);
  auto second = create_file_backup(*conn_, options);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->path, first->path + "-2");
  EXPECT_EQ(sha256sum_check(second->path + ".sha256"), 0);
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].path, second->path);  // Newest first.
  EXPECT_EQ((*listed)[1].path, first->path);
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
  const std::string final_path = dir_.file("t.db.backup-20240102-000000-v1");
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
