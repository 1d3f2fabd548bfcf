// Tests of list_backups and prune_backups.
#include "safemig/backup/retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>

#include "safemig/backup/file_backup.h"
#include "support/matchers.h"
#include "support/temp_dir.h"
#include "test_databases.h"

namespace safemig::backup {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace testing;  // safemig::backup::testing helpers.
using namespace std::chrono_literals;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = open_writer(db_);
    ASSERT_NE(conn_, nullptr);
    add_items(*conn_, 20);
  }

  // Backs up with the name's time `offset` after a fixed instant and version = offset.
  BackupInfo backup_at(int offset) {
    BackupOptions options;
    options.from_version = offset;
    options.created_at = base_ + std::chrono::seconds(offset);
    auto info = create_file_backup(*conn_, options);
    EXPECT_THAT(info, IsOk());
    return info ? *info : BackupInfo{};
  }

  TempDir dir_;
  std::string db_ = dir_.file("t.db");
  std::unique_ptr<db::Connection> conn_;
  std::chrono::system_clock::time_point base_ =
      std::chrono::sys_days(std::chrono::year{2024} / 1 / 2) + 3h;
};

std::vector<std::int64_t> versions_of(const std::vector<BackupInfo>& backups) {
  std::vector<std::int64_t> out;
  for (const auto& b : backups) out.push_back(b.version);
  return out;
}

TEST_F(RetentionTest, ListsNewestFirstWithSizesAndHashes) {
  for (int offset : {3, 1, 5}) backup_at(offset);
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(versions_of(*listed), ElementsAre(5, 3, 1));
  for (const auto& b : *listed) {
    EXPECT_EQ(b.size_bytes, size_of(b.path));
    EXPECT_EQ(b.sha256.size(), 64u);
    EXPECT_FALSE(b.gzip);
  }
  EXPECT_EQ((*listed)[0].created_at, base_ + 5s);
}

TEST_F(RetentionTest, PruneKeepsExactlyTheNewestN) {
  std::vector<BackupInfo> made;
  for (int offset : {3, 1, 5, 0, 4, 2}) made.push_back(backup_at(offset));
  auto removed = prune_backups(db_, 2);
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(removed->size(), 4u);
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(versions_of(*listed), ElementsAre(5, 4));
  for (const auto& b : made) {
    bool kept = b.version >= 4;
    EXPECT_EQ(exists(b.path), kept) << b.path;
    EXPECT_EQ(exists(b.path + ".sha256"), kept) << b.path;
  }
  // Pruning again removes nothing.
  EXPECT_THAT(prune_backups(db_, 2), IsOk());
  EXPECT_TRUE(prune_backups(db_, 2)->empty());
}

// Backups taken within one second (the steps of a quick migrate) are ordered by when they were
// written: "-v10" is newer than "-v9" although it sorts before it as text.
TEST_F(RetentionTest, BackupsOfOneSecondAreOrderedByWhenTheyWereWritten) {
  std::vector<BackupInfo> made;
  for (int version : {8, 9, 10, 11}) {
    BackupOptions options;
    options.from_version = version;
    options.created_at = base_;
    auto info = create_file_backup(*conn_, options);
    ASSERT_THAT(info, IsOk());
    made.push_back(*info);
  }
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(versions_of(*listed), ElementsAre(11, 10, 9, 8));
  ASSERT_THAT(prune_backups(db_, 2), IsOk());
  EXPECT_THAT(versions_of(*list_backups(db_)), ElementsAre(11, 10));
}

TEST_F(RetentionTest, LeftoverTemporariesOfThisDatabaseAreRemoved) {
  const BackupInfo kept = backup_at(1);
  const std::vector<std::string> leftovers = {
      dir_.file("t.db.backup-20240102-030009-v9.partial"),
      dir_.file("t.db.backup-20240102-030009-v9.gz.partial-raw"),
      dir_.file("t.db.backup-20240102-030009-v9.sha256.partial"), dir_.file("t.db.restore-tmp")};
  for (const std::string& path : leftovers) write_file(path, "partial");
  const std::string others = dir_.file("other.db.backup-20240102-030009-v9.partial");
  write_file(others, "someone else's");
  auto removed = remove_leftover_temporaries(db_);
  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(*removed, ::testing::UnorderedElementsAreArray(leftovers));
  for (const std::string& path : leftovers) EXPECT_FALSE(exists(path)) << path;
  EXPECT_TRUE(exists(others));
  EXPECT_TRUE(exists(kept.path));
  EXPECT_TRUE(exists(kept.path + ".sha256"));
  EXPECT_TRUE(exists(db_));
  EXPECT_THAT(remove_leftover_temporaries(db_),
              ::safemig::testing::IsOkAndHolds(::testing::IsEmpty()));
}

TEST_F(RetentionTest, KeepBelowOneIsInvalidInput) {
  backup_at(1);
  EXPECT_THAT(prune_backups(db_, 0),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("--keep must be at least 1")));
  EXPECT_EQ(list_backups(db_)->size(), 1u);
}

TEST_F(RetentionTest, IgnoresFilesThatAreNotThisDatabasesBackups) {
  backup_at(1);
  write_file(dir_.file("other.db.backup-20240102-030000-v1"), "x");
  write_file(dir_.file("t.db.backup-20240102-030009-v1.partial"), "x");
  write_file(dir_.file("t.db.backup-20240102-030009-v1-x.y"), "x");
  write_file(dir_.file("t.db.failed-20240102-030000"), "x");
  write_file(dir_.file("t.db.writer.lock"), "x");
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(versions_of(*listed), ElementsAre(1));
  EXPECT_THAT(prune_backups(db_, 1), IsOk());
  EXPECT_TRUE(exists(dir_.file("other.db.backup-20240102-030000-v1")));
}

// The reported defect: opening backups with the sqlite3 shell left <backup>-wal and -shm beside
// them; prune --keep 2 took the four side files for the newest backups, removed both real ones
// and kept two side files.
TEST_F(RetentionTest, SqliteSideFilesAreNeitherBackupsNorAReasonToRemoveOne) {
  const BackupInfo older = backup_at(1);
  const BackupInfo newer = backup_at(2);
  std::vector<std::string> side_files;
  for (const BackupInfo* b : {&older, &newer}) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      side_files.push_back(b->path + suffix);
      write_file(side_files.back(), "side file written after the backup");
    }
  }
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].path, newer.path);
  EXPECT_EQ((*listed)[1].path, older.path);

  EXPECT_THAT(prune_backups(db_, 2), ::safemig::testing::IsOkAndHolds(::testing::IsEmpty()));
  for (const std::string& path : side_files) EXPECT_TRUE(exists(path)) << path;
  EXPECT_TRUE(exists(older.path));
  EXPECT_TRUE(exists(newer.path));

  auto removed = prune_backups(db_, 1);
  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(*removed, ElementsAre(older.path));
  // The older backup goes with every file of it; the newer keeps its own.
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".sha256"}) {
    EXPECT_FALSE(exists(older.path + suffix)) << suffix;
    EXPECT_TRUE(exists(newer.path + suffix)) << suffix;
  }
  EXPECT_THAT(versions_of(*list_backups(db_)), ElementsAre(2));
}

// Only the files safemig wrote are backups: a file that merely carries a backup's name, without
// the sidecar every backup is published with, is neither listed nor removed.
TEST_F(RetentionTest, AFileWithABackupsNameButNoSidecarIsNotABackup) {
  const BackupInfo real = backup_at(1);
  const std::string stranger = dir_.file("t.db.backup-20240102-040000-v7-9");
  write_file(stranger, "not written by safemig");
  auto listed = list_backups(db_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].path, real.path);
  EXPECT_THAT(prune_backups(db_, 1), ::safemig::testing::IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_TRUE(exists(stranger));
  EXPECT_TRUE(exists(real.path));
}

// A directory under a backup's name with a sidecar is not a backup either.
TEST_F(RetentionTest, OnlyRegularFilesAreBackups) {
  const BackupInfo real = backup_at(1);
  const std::string dir = dir_.file("t.db.backup-20240102-040000-v7-9");
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  write_file(dir + ".sha256", std::string(64, 'a') + "  x\n");
  EXPECT_THAT(versions_of(*list_backups(db_)), ElementsAre(1));
  EXPECT_THAT(prune_backups(db_, 1), ::safemig::testing::IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_TRUE(std::filesystem::is_directory(dir));
}

TEST_F(RetentionTest, SixtyFourBitVersionsAreListed) {
  BackupOptions options;
  options.from_version = 20240313170000;
  options.created_at = base_;
  auto info = create_file_backup(*conn_, options);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->path, ::testing::HasSubstr("-v20240313170000-"));
  EXPECT_EQ(info->version, std::int64_t{20240313170000});
  EXPECT_THAT(versions_of(*list_backups(db_)), ElementsAre(std::int64_t{20240313170000}));
}

// An interrupted prune leaves the sidecar or SQLite side files of a removed backup; the next
// writer removes them, and leaves those of backups that exist.
TEST_F(RetentionTest, FilesOfRemovedBackupsAreLeftoversToo) {
  const BackupInfo kept = backup_at(1);
  write_file(kept.path + "-wal", "x");
  const std::string gone = dir_.file("t.db.backup-20240102-030005-v5-3");
  const std::vector<std::string> leftovers = {gone + ".sha256", gone + "-wal", gone + "-shm",
                                              gone + "-journal",
                                              dir_.file("t.db.safemig-backup-sequence.partial")};
  for (const std::string& path : leftovers) write_file(path, "left");
  auto removed = remove_leftover_temporaries(db_);
  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(*removed, ::testing::UnorderedElementsAreArray(leftovers));
  EXPECT_TRUE(exists(kept.path));
  EXPECT_TRUE(exists(kept.path + ".sha256"));
  EXPECT_TRUE(exists(kept.path + "-wal"));
  EXPECT_TRUE(exists(dir_.file("t.db.safemig-backup-sequence")));
}

TEST_F(RetentionTest, DirectoryUnderARegularFileIsIo) {
  write_file(dir_.file("plain"), "x");
  EXPECT_THAT(list_backups(dir_.file("plain/t.db")),
              ErrorIs(ErrorCode::io, HasSubstr("Not a directory")));
}

TEST_F(RetentionTest, MissingDirectoryIsNotFound) {
  EXPECT_THAT(list_backups(dir_.file("nowhere/t.db")),
              ErrorIs(ErrorCode::not_found, HasSubstr("No such file or directory")));
}

}  // namespace
}  // namespace safemig::backup
