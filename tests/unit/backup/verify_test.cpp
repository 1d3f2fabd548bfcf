// Tests of verify_backup: intact, corrupted, unverifiable and non-database backups.
#include "safemig/backup/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/backup/file_backup.h"
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
using ::testing::Not;
using namespace testing;  // safemig::backup::testing helpers.

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = open_writer(db_);
    ASSERT_NE(conn_, nullptr);
    add_items(*conn_, 500);
  }

  BackupInfo backup(bool gzip) {
    BackupOptions options;
    options.gzip = gzip;
    auto info = create_file_backup(*conn_, options);
    EXPECT_THAT(info, IsOk());
    return info ? *info : BackupInfo{};
  }

  TempDir dir_;
  std::string db_ = dir_.file("t.db");
  std::unique_ptr<db::Connection> conn_;
};

TEST_F(VerifyTest, IntactBackupVerifiesShallowAndDeep) {
  BackupInfo info = backup(false);
  EXPECT_THAT(verify_backup(info.path), IsOk());
  EXPECT_THAT(verify_backup(info.path, {.deep = true, .progress = {}}), IsOk());
}

TEST_F(VerifyTest, OneCorruptByteIsCorruptNamingFileAndBothHashes) {
  BackupInfo info = backup(false);
  flip_byte(info.path, info.size_bytes / 2);
  ASSERT_NE(sha256sum_check(info.path + ".sha256"), 0);  // sha256sum agrees it is damaged.
  auto result = verify_backup(info.path);
  EXPECT_THAT(result, ErrorIs(ErrorCode::corrupt,
                              AllOf(HasSubstr(info.path), HasSubstr("is corrupt"),
                                    HasSubstr("but " + info.sha256 + " was recorded"))));
  // The actual hash is named too: the one sha256sum computes now.
  write_sidecar_with_tool(info.path);
  std::string actual = read_file(info.path + ".sha256").substr(0, 64);
  EXPECT_THAT(result, ErrorIs(ErrorCode::corrupt, HasSubstr("its SHA-256 is " + actual)));
}

TEST_F(VerifyTest, OneCorruptByteInAGzipBackupIsCorrupt) {
  BackupInfo info = backup(true);
  flip_byte(info.path, info.size_bytes / 2);
  EXPECT_THAT(verify_backup(info.path),
              ErrorIs(ErrorCode::corrupt, AllOf(HasSubstr(info.path), HasSubstr(info.sha256))));
}

TEST_F(VerifyTest, MissingSidecarIsNotFound) {
  BackupInfo info = backup(false);
  ASSERT_EQ(std::remove((info.path + ".sha256").c_str()), 0);
  EXPECT_THAT(
      verify_backup(info.path),
      ErrorIs(ErrorCode::not_found, AllOf(HasSubstr("checksum file"), HasSubstr("is missing"))));
}

TEST_F(VerifyTest, MissingBackupIsNotFound) {
  EXPECT_THAT(verify_backup(dir_.file("t.db.backup-20240101-000000-v1")),
              ErrorIs(ErrorCode::not_found, HasSubstr("does not exist")));
}

TEST_F(VerifyTest, FileThatIsNotADatabaseIsNotADatabase) {
  const std::string path = dir_.file("t.db.backup-20240101-000000-v1");
  write_file(path, std::string(8192, 'n'));
  write_sidecar_with_tool(path);
  EXPECT_THAT(verify_backup(path),
              ErrorIs(ErrorCode::not_a_database, HasSubstr("is not a SQLite database")));
}

TEST_F(VerifyTest, TruncatedDatabaseWithMatchingSidecarIsCorrupt) {
  BackupInfo info = backup(false);
  std::string bytes = read_file(info.path);
  write_file(info.path, bytes.substr(0, bytes.size() / 2));
  write_sidecar_with_tool(info.path);
  EXPECT_THAT(verify_backup(info.path), ErrorIs(ErrorCode::corrupt, HasSubstr("is truncated")));
}

TEST_F(VerifyTest, DeepCheckFindsDamageTheHashCannotSee) {
  BackupInfo info = backup(false);
  // Damage a b-tree page of items (page 3 onwards) and record the damaged file's hash.
  std::string bytes = read_file(info.path);
  for (std::size_t i = 4096 * 3 + 8; i < 4096 * 3 + 200; ++i) bytes[i] = '\x7f';
  write_file(info.path, bytes);
  write_sidecar_with_tool(info.path);
  EXPECT_THAT(verify_backup(info.path, {.deep = true, .progress = {}}),
              ErrorIs(ErrorCode::corrupt, Not(HasSubstr("SHA-256"))));
}

}  // namespace
}  // namespace safemig::backup
