// Tests of restore_backup and preserve_failed_database.
#include "safemig/backup/restore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/backup/file_backup.h"
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
using ::safemig::testing::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using namespace testing;  // safemig::backup::testing helpers.

class RestoreTest : public ::testing::Test {
 protected:
  // Builds t.db with 100 rows, backs it up (v1), then adds 50 rows and closes it.
  void make_backup(bool gzip) {
    auto conn = open_writer(db_);
    ASSERT_NE(conn, nullptr);
    add_items(*conn, 100);
    BackupOptions options;
    options.from_version = 1;
    options.gzip = gzip;
    auto info = create_file_backup(*conn, options);
    ASSERT_THAT(info, IsOk());
    backup_ = *info;
    backup_rows_ = query_items(*conn);
    ASSERT_EQ(backup_rows_.size(), 100u);
    add_items(*conn, 50);
    conn.reset();
    current_rows_ = read_items(db_);
    ASSERT_EQ(current_rows_.size(), 150u);
  }

  TempDir dir_;
  std::string db_ = dir_.file("t.db");
  BackupInfo backup_;
  std::vector<std::string> backup_rows_;
  std::vector<std::string> current_rows_;
};

TEST_F(RestoreTest, RestoreKeepsABeforeRestoreCopyAndHasTheBackupsRows) {
  make_backup(false);
  auto restored =
      restore_backup(backup_.path, db_, {.force = false, .current_version = 2, .progress = {}});
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ(restored->restored_from, backup_.path);
  EXPECT_EQ(restored->preserved_non_database, "");
  ASSERT_TRUE(restored->before_restore.has_value());
  const BackupInfo& saved = *restored->before_restore;
  EXPECT_THAT(saved.path,
              MatchesRegex(".*/t\\.db\\.backup-[0-9]{8}-[0-9]{6}-v2-before_restore-[0-9]+"));
  EXPECT_EQ(saved.label, "before_restore");
  EXPECT_THAT(verify_backup(saved.path), IsOk());
  EXPECT_EQ(read_items(saved.path), current_rows_);
  EXPECT_EQ(read_items(db_), backup_rows_);
  EXPECT_FALSE(exists(db_ + "-wal"));
  EXPECT_FALSE(exists(db_ + "-shm"));
  EXPECT_FALSE(exists(db_ + ".restore-tmp"));
  // The restored database opens as a writer.
  auto conn = open_writer(db_);
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(conn->query_int("SELECT count(*) FROM items"), ::safemig::testing::IsOkAndHolds(100));
  EXPECT_EQ(list_backups(db_)->size(), 2u);
}

TEST_F(RestoreTest, GzipRoundTripThroughRestore) {
  make_backup(true);
  auto restored = restore_backup(backup_.path, db_);
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ(read_items(db_), backup_rows_);
  ASSERT_TRUE(restored->before_restore.has_value());
  EXPECT_EQ(read_items(restored->before_restore->path), current_rows_);
}

TEST_F(RestoreTest, CorruptBackupIsRefusedAndTheDatabaseUntouched) {
  make_backup(false);
  flip_byte(backup_.path, backup_.size_bytes - 10);
  const std::string before = read_file(db_);
  EXPECT_THAT(restore_backup(backup_.path, db_),
              ErrorIs(ErrorCode::corrupt,
                      AllOf(HasSubstr("refusing to restore " + backup_.path),
                            HasSubstr(backup_.sha256), HasSubstr("the database was not changed"))));
  EXPECT_EQ(read_file(db_), before);
  EXPECT_FALSE(exists(db_ + ".restore-tmp"));
  EXPECT_EQ(list_backups(db_)->size(), 1u);  // No before_restore copy was taken.
}

// A damaged page under a matching sidecar (the backup was damaged and its checksum rewritten,
// or it was damaged before the sidecar was written): integrity_check finds it.
TEST_F(RestoreTest, BackupFailingIntegrityCheckIsRefusedUnlessForced) {
  make_backup(false);
  for (std::size_t offset = 2 * 4096 + 100; offset < 2 * 4096 + 400; ++offset) {
    flip_byte(backup_.path, offset);
  }
  write_sidecar_with_tool(backup_.path);
  const std::string before = read_file(db_);
  EXPECT_THAT(restore_backup(backup_.path, db_),
              ErrorIs(ErrorCode::corrupt, AllOf(HasSubstr("refusing to restore " + backup_.path),
                                                HasSubstr("integrity_check"),
                                                HasSubstr("the database was not changed"))));
  EXPECT_EQ(read_file(db_), before);
  EXPECT_FALSE(exists(db_ + ".restore-tmp"));
  EXPECT_EQ(list_backups(db_)->size(), 1u);
  auto forced =
      restore_backup(backup_.path, db_, {.force = true, .current_version = 0, .progress = {}});
  EXPECT_THAT(forced, IsOk());
}

TEST_F(RestoreTest, StaleWalIsRemoved) {
  make_backup(false);
  ASSERT_EQ(std::remove(db_.c_str()), 0);
  write_file(db_ + "-wal", std::string(4096, 'w'));
  write_file(db_ + "-shm", std::string(4096, 's'));
  auto restored = restore_backup(backup_.path, db_);
  ASSERT_THAT(restored, IsOk());
  EXPECT_FALSE(restored->before_restore.has_value());
  EXPECT_FALSE(exists(db_ + "-wal"));
  EXPECT_FALSE(exists(db_ + "-shm"));
  EXPECT_EQ(read_items(db_), backup_rows_);
}

TEST_F(RestoreTest, MissingSidecarNeedsForce) {
  make_backup(false);
  ASSERT_EQ(std::remove((backup_.path + ".sha256").c_str()), 0);
  const std::string before = read_file(db_);
  EXPECT_THAT(restore_backup(backup_.path, db_),
              ErrorIs(ErrorCode::not_found, AllOf(HasSubstr("is missing"), HasSubstr("--force"))));
  EXPECT_EQ(read_file(db_), before);
  auto forced =
      restore_backup(backup_.path, db_, {.force = true, .current_version = 0, .progress = {}});
  ASSERT_THAT(forced, IsOk());
  EXPECT_EQ(read_items(db_), backup_rows_);
}

TEST_F(RestoreTest, NonDatabaseIsRefusedEvenWithForce) {
  make_backup(false);
  const std::string fake = dir_.file("t.db.backup-20240101-000000-v9");
  write_file(fake, std::string(10000, 'z'));
  write_sidecar_with_tool(fake);
  const std::string before = read_file(db_);
  EXPECT_THAT(restore_backup(fake, db_, {.force = true, .current_version = 0, .progress = {}}),
              ErrorIs(ErrorCode::not_a_database,
                      AllOf(HasSubstr("refusing to restore"), HasSubstr("not a SQLite database"))));
  EXPECT_EQ(read_file(db_), before);
  EXPECT_FALSE(exists(db_ + ".restore-tmp"));
}

TEST_F(RestoreTest, CurrentFileThatIsNotADatabaseIsKeptAside) {
  make_backup(false);
  ASSERT_EQ(std::remove(db_.c_str()), 0);
  write_file(db_,
             "precious notes, not a database, long enough to have a header......."
             "..............................................................");
  const std::string notes = read_file(db_);
  auto restored = restore_backup(backup_.path, db_);
  ASSERT_THAT(restored, IsOk());
  EXPECT_FALSE(restored->before_restore.has_value());
  EXPECT_THAT(restored->preserved_non_database,
              MatchesRegex(".*/t\\.db\\.failed-[0-9]{8}-[0-9]{6}"));
  EXPECT_EQ(read_file(restored->preserved_non_database), notes);
  EXPECT_EQ(read_items(db_), backup_rows_);
}

TEST_F(RestoreTest, DatabaseUnderARegularFileIsIo) {
  make_backup(false);
  write_file(dir_.file("plain"), "x");
  EXPECT_THAT(restore_backup(backup_.path, dir_.file("plain/t.db")),
              ErrorIs(ErrorCode::io, HasSubstr("Not a directory")));
}

TEST_F(RestoreTest, MissingBackupIsNotFound) {
  EXPECT_THAT(restore_backup(dir_.file("nope"), db_),
              ErrorIs(ErrorCode::not_found, HasSubstr("does not exist")));
}

TEST_F(RestoreTest, PreserveFailedDatabaseMovesItWithItsWal) {
  make_backup(false);
  write_file(db_ + "-wal", "wal bytes");
  const std::string content = read_file(db_);
  auto kept = preserve_failed_database(db_);
  ASSERT_THAT(kept, IsOk());
  EXPECT_THAT(*kept, MatchesRegex(".*/t\\.db\\.failed-[0-9]{8}-[0-9]{6}"));
  EXPECT_EQ(read_file(*kept), content);
  EXPECT_EQ(read_file(*kept + "-wal"), "wal bytes");
  EXPECT_FALSE(exists(db_));
  EXPECT_FALSE(exists(db_ + "-wal"));
  // A second failure within the same second gets its own name.
  write_file(db_, "again");
  auto second = preserve_failed_database(db_);
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(*second, *kept);
  EXPECT_EQ(read_file(*second), "again");
}

TEST_F(RestoreTest, PreserveMissingDatabaseIsNotFound) {
  EXPECT_THAT(preserve_failed_database(db_),
              ErrorIs(ErrorCode::not_found, HasSubstr("there is no database at " + db_)));
}

}  // namespace
}  // namespace safemig::backup
