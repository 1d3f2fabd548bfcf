// Tests of backup file names: formatting, parsing, and choosing a free name.
#include "backup_naming.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::backup::internal {
namespace {

using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using namespace std::chrono_literals;

TimePoint at_2024_05_01_120304() {
  return TimePoint(std::chrono::sys_days(std::chrono::year{2024} / 5 / 1)) + 12h + 3min + 4s;
}

TEST(BackupNamingTest, FormatsUtcNameWithLabelSequenceAndGzip) {
  BackupName name{at_2024_05_01_120304(), 7, "before_restore", 3, true};
  EXPECT_EQ(backup_file_name("t.db", name), "t.db.backup-20240501-120304-v7-before_restore-3.gz");
  EXPECT_EQ(backup_file_name("t.db", BackupName{at_2024_05_01_120304(), 0, "", 1, false}),
            "t.db.backup-20240501-120304-v0");
}

TEST(BackupNamingTest, ParsesWhatItFormats) {
  for (const BackupName& name : {BackupName{at_2024_05_01_120304(), 12, "", 1, false},
                                 BackupName{at_2024_05_01_120304(), 3, "nightly2", 1, true},
                                 BackupName{at_2024_05_01_120304(), 3, "", 2, false},
                                 BackupName{at_2024_05_01_120304(), 3, "x_y", 11, true}}) {
    auto parsed = parse_backup_name("t.db", backup_file_name("t.db", name));
    ASSERT_TRUE(parsed.has_value()) << backup_file_name("t.db", name);
    EXPECT_EQ(parsed->created_at, name.created_at);
    EXPECT_EQ(parsed->version, name.version);
    EXPECT_EQ(parsed->label, name.label);
    EXPECT_EQ(parsed->sequence, name.sequence);
    EXPECT_EQ(parsed->gzip, name.gzip);
  }
}

TEST(BackupNamingTest, RejectsOtherFiles) {
  for (const char* file :
       {"t.db", "t.db.backup-20240501-120304-v3.sha256", "t.db.backup-20240501-120304-v3.partial",
        "t.db.backup-20240501-120304-v3.gz.sha256", "u.db.backup-20240501-120304-v3",
        "t.db.backup-20241301-120304-v3", "t.db.backup-20240501-126304-v3",
        "t.db.backup-20240501-120304-3", "t.db.backup-20240501-120304-v3-1",
        "t.db.backup-20240501-120304-v3-bad!label", "t.db.writer.lock",
        "t.db.failed-20240501-120304"}) {
    EXPECT_FALSE(parse_backup_name("t.db", file).has_value()) << file;
  }
}

TEST(BackupNamingTest, LabelsNeedANonDigit) {
  EXPECT_TRUE(is_valid_label("before_restore"));
  EXPECT_TRUE(is_valid_label("v2"));
  EXPECT_FALSE(is_valid_label("42"));
  EXPECT_FALSE(is_valid_label("a-b"));
  EXPECT_FALSE(is_valid_label("a.b"));
}

TEST(BackupNamingTest, CollisionWithinOneSecondTakesTheNextSuffix) {
  TempDir dir;
  const std::string db = dir.file("t.db");
  BackupName name{at_2024_05_01_120304(), 3, "", 1, false};
  auto first = choose_backup_path(db, name);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->second, dir.file("t.db.backup-20240501-120304-v3"));
  ::safemig::testing::write_file(first->second, "taken");
  // An orphan sidecar also makes a name taken.
  ::safemig::testing::write_file(dir.file("t.db.backup-20240501-120304-v3-2.sha256"), "x");
  auto next = choose_backup_path(db, name);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->second, dir.file("t.db.backup-20240501-120304-v3-3"));
  EXPECT_EQ(next->first.sequence, 3);
}

TEST(BackupNamingTest, FailedDatabaseName) {
  EXPECT_EQ(failed_database_path("/d/t.db", at_2024_05_01_120304(), 1),
            "/d/t.db.failed-20240501-120304");
  EXPECT_EQ(failed_database_path("/d/t.db", at_2024_05_01_120304(), 2),
            "/d/t.db.failed-20240501-120304-2");
}

}  // namespace
}  // namespace safemig::backup::internal
