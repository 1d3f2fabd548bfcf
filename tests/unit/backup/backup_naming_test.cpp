// Tests of backup file names: formatting, parsing, classifying, and reserving a name that was
// never used.
#include "backup_naming.h"

#include <cstdint>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::backup::internal {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::read_file;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TimePoint at_2024_05_01_120304() {
  return TimePoint(std::chrono::sys_days(std::chrono::year{2024} / 5 / 1)) + 12h + 3min + 4s;
}

TEST(BackupNamingTest, FormatsUtcNameWithLabelSequenceAndGzip) {
  BackupName name{at_2024_05_01_120304(), 7, "before_restore", 3, true};
  EXPECT_EQ(backup_file_name("t.db", name), "t.db.backup-20240501-120304-v7-before_restore-3.gz");
  EXPECT_EQ(backup_file_name("t.db", BackupName{at_2024_05_01_120304(), 0, "", 1, false}),
            "t.db.backup-20240501-120304-v0-1");
  // Sequence 0 is the form of names of earlier releases without a suffix.
  EXPECT_EQ(backup_file_name("t.db", BackupName{at_2024_05_01_120304(), 0, "", 0, false}),
            "t.db.backup-20240501-120304-v0");
}

TEST(BackupNamingTest, ParsesWhatItFormats) {
  for (const BackupName& name :
       {BackupName{at_2024_05_01_120304(), 12, "", 1, false},
        BackupName{at_2024_05_01_120304(), 3, "nightly2", 1, true},
        BackupName{at_2024_05_01_120304(), 3, "", 2, false},
        BackupName{at_2024_05_01_120304(), 3, "x_y", 11, true},
        BackupName{at_2024_05_01_120304(), 20240313170000, "before_restore", 4, false},
        BackupName{at_2024_05_01_120304(), INT64_MAX, "", INT64_C(1) << 40, false}}) {
    auto parsed = parse_backup_name("t.db", backup_file_name("t.db", name));
    ASSERT_TRUE(parsed.has_value()) << backup_file_name("t.db", name);
    EXPECT_EQ(parsed->created_at, name.created_at);
    EXPECT_EQ(parsed->version, name.version);
    EXPECT_EQ(parsed->label, name.label);
    EXPECT_EQ(parsed->sequence, name.sequence);
    EXPECT_EQ(parsed->gzip, name.gzip);
  }
}

// <db>.backup-YYYYMMDD-HHMMSS-v<N>[-<label>][-<n>][.gz] as earlier releases wrote them.
TEST(BackupNamingTest, ParsesNamesOfEarlierReleases) {
  auto plain = parse_backup_name("t.db", "t.db.backup-20240501-120304-v3");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->version, 3);
  EXPECT_EQ(plain->sequence, 0);
  EXPECT_EQ(plain->label, "");
  auto full = parse_backup_name("t.db", "t.db.backup-20240501-120304-v2-before_restore-2.gz");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->created_at, at_2024_05_01_120304());
  EXPECT_EQ(full->version, 2);
  EXPECT_EQ(full->label, "before_restore");
  EXPECT_EQ(full->sequence, 2);
  EXPECT_TRUE(full->gzip);
}

TEST(BackupNamingTest, ParsesSixtyFourBitVersions) {
  auto parsed = parse_backup_name("t.db", "t.db.backup-20240501-120304-v20240313170000-5");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->version, std::int64_t{20240313170000});
  EXPECT_EQ(parsed->sequence, 5);
  EXPECT_FALSE(parse_backup_name("t.db", "t.db.backup-20240501-120304-v9223372036854775808"));
  EXPECT_FALSE(parse_backup_name("t.db", "t.db.backup-20240501-120304-v-1"));
  EXPECT_FALSE(parse_backup_name("t.db", "t.db.backup-20240501-120304-v+1"));
}

TEST(BackupNamingTest, RejectsOtherFiles) {
  for (const char* file :
       {"t.db", "t.db.backup-20240501-120304-v3.sha256", "t.db.backup-20240501-120304-v3.partial",
        "t.db.backup-20240501-120304-v3.gz.sha256", "u.db.backup-20240501-120304-v3",
        "t.db.backup-20241301-120304-v3", "t.db.backup-20240501-126304-v3",
        "t.db.backup-20240501-120304-3", "t.db.backup-20240501-120304-v3-0",
        "t.db.backup-20240501-120304-v3-bad!label", "t.db.writer.lock",
        "t.db.failed-20240501-120304", "t.db.safemig-backup-sequence",
        "t.db.backup-2024050a-120304-v3", "t.db.backup-20240501-120304-v3-x-2-3"}) {
    EXPECT_FALSE(parse_backup_name("t.db", file).has_value()) << file;
  }
}

// SQLite's side files of a backup end in "-wal", "-shm" and "-journal", which earlier read as a
// label: `prune` then took them for the newest backups and removed the real ones.
TEST(BackupNamingTest, SqliteSideFilesAreNeverBackups) {
  for (const char* backup : {"t.db.backup-20240501-120304-v3", "t.db.backup-20240501-120304-v3-7",
                             "t.db.backup-20240501-120304-v3-nightly-7"}) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      const std::string side = std::string(backup) + suffix;
      EXPECT_FALSE(parse_backup_name("t.db", side).has_value()) << side;
      auto file = classify_backup_file("t.db", side);
      ASSERT_TRUE(file.has_value()) << side;
      EXPECT_EQ(file->kind, BackupFileKind::sqlite_side_file) << side;
      EXPECT_EQ(file->backup_file_name, backup);
    }
  }
}

TEST(BackupNamingTest, ClassifiesTheFilesOfABackup) {
  const std::string backup = "t.db.backup-20240501-120304-v3-7.gz";
  struct Case {
    std::string file;
    BackupFileKind kind;
  };
  for (const Case& c :
       {Case{backup, BackupFileKind::backup}, Case{backup + ".sha256", BackupFileKind::sidecar},
        Case{backup + ".sha256.partial", BackupFileKind::temporary},
        Case{backup + ".partial", BackupFileKind::temporary},
        Case{backup + ".partial-raw", BackupFileKind::temporary}}) {
    auto file = classify_backup_file("t.db", c.file);
    ASSERT_TRUE(file.has_value()) << c.file;
    EXPECT_EQ(file->kind, c.kind) << c.file;
    EXPECT_EQ(file->backup_file_name, backup) << c.file;
    EXPECT_EQ(file->name.sequence, 7);
  }
  for (const char* other : {"t.db", "t.db-wal", "t.db.sha256", "u.db.backup-20240501-120304-v3-wal",
                            "t.db.backup-20240501-120304-v3.gz.scratch-abc123"}) {
    EXPECT_FALSE(classify_backup_file("t.db", other).has_value()) << other;
  }
}

TEST(BackupNamingTest, LabelsNeedANonDigitAndAreNotSqliteSuffixes) {
  EXPECT_TRUE(is_valid_label("before_restore"));
  EXPECT_TRUE(is_valid_label("v2"));
  EXPECT_TRUE(is_valid_label("walrus"));
  EXPECT_FALSE(is_valid_label("42"));
  EXPECT_FALSE(is_valid_label("a-b"));
  EXPECT_FALSE(is_valid_label("a.b"));
  EXPECT_FALSE(is_valid_label("wal"));
  EXPECT_FALSE(is_valid_label("shm"));
  EXPECT_FALSE(is_valid_label("journal"));
}

class BackupSequenceTest : public ::testing::Test {
 protected:
  // Reserves a name at the fixed stamp and writes the backup and its sidecar under it.
  std::string take(std::int64_t version) {
    auto chosen =
        choose_backup_path(db_, BackupName{at_2024_05_01_120304(), version, "", 0, false});
    EXPECT_THAT(chosen, IsOk());
    if (!chosen) return {};
    write_file(chosen->second, "backup");
    write_file(chosen->second + ".sha256", "sidecar");
    return chosen->second;
  }
  void remove_backup(const std::string& path) {
    std::filesystem::remove(path);
    std::filesystem::remove(path + ".sha256");
  }

  TempDir dir_;
  std::string db_ = dir_.file("t.db");
};

TEST_F(BackupSequenceTest, EveryNameCarriesTheNextSequence) {
  EXPECT_EQ(take(3), dir_.file("t.db.backup-20240501-120304-v3-1"));
  EXPECT_EQ(take(3), dir_.file("t.db.backup-20240501-120304-v3-2"));
  EXPECT_EQ(take(4), dir_.file("t.db.backup-20240501-120304-v4-3"));
  EXPECT_THAT(read_backup_sequence(db_), ::safemig::testing::IsOkAndHolds(3));
  EXPECT_EQ(read_file(dir_.file("t.db.safemig-backup-sequence")), "3\n");
}

// A pruned backup's name used to be free again: a later backup with the same stamp took it, and
// a history row naming the pruned backup then designated a different file.
TEST_F(BackupSequenceTest, ANameIsNeverUsedAgainAfterItsBackupIsRemoved) {
  const std::string first = take(3);
  const std::string second = take(3);
  remove_backup(first);
  remove_backup(second);
  const std::string third = take(3);
  EXPECT_NE(third, first);
  EXPECT_NE(third, second);
  EXPECT_EQ(third, dir_.file("t.db.backup-20240501-120304-v3-3"));
}

TEST_F(BackupSequenceTest, ContinuesAfterTheNamesPresentWhenTheSequenceFileIsMissing) {
  // Backups of an earlier release, and files left of later ones, without a sequence file.
  write_file(dir_.file("t.db.backup-20240501-120304-v3"), "x");
  write_file(dir_.file("t.db.backup-20240501-120304-v3-4"), "x");
  write_file(dir_.file("t.db.backup-20240501-120304-v3-9.sha256"), "x");
  write_file(dir_.file("t.db.backup-20240501-120304-v3-12-wal"), "x");
  write_file(dir_.file("other.db.backup-20240501-120304-v3-50"), "x");
  // A temporary's name was never published: it does not count.
  write_file(dir_.file("t.db.backup-20240501-120304-v3-40.partial"), "x");
  EXPECT_EQ(take(3), dir_.file("t.db.backup-20240501-120304-v3-13"));
}

TEST_F(BackupSequenceTest, TheSequenceFileOutlivesEveryBackup) {
  for (int i = 0; i < 3; ++i) remove_backup(take(1));
  EXPECT_EQ(take(1), dir_.file("t.db.backup-20240501-120304-v1-4"));
}

TEST_F(BackupSequenceTest, ADamagedSequenceFileIsCorrupt) {
  for (const char* text : {"", "seven\n", "-3\n", "12 13\n", "99999999999999999999\n"}) {
    write_file(dir_.file("t.db.safemig-backup-sequence"), text);
    EXPECT_THAT(read_backup_sequence(db_),
                ErrorIs(ErrorCode::corrupt,
                        AllOf(HasSubstr("t.db.safemig-backup-sequence is damaged"),
                              HasSubstr("delete it to continue from the backups present"))))
        << text;
    EXPECT_THAT(choose_backup_path(db_, BackupName{at_2024_05_01_120304(), 1, "", 0, false}),
                ErrorIs(ErrorCode::corrupt, HasSubstr("is damaged")));
  }
  std::filesystem::remove(dir_.file("t.db.safemig-backup-sequence"));
  EXPECT_EQ(take(1), dir_.file("t.db.backup-20240501-120304-v1-1"));
}

TEST_F(BackupSequenceTest, AnExhaustedSequenceIsFailedPrecondition) {
  write_file(dir_.file("t.db.safemig-backup-sequence"), "4611686018427387904\n");
  EXPECT_THAT(choose_backup_path(db_, BackupName{at_2024_05_01_120304(), 1, "", 0, false}),
              ErrorIs(ErrorCode::failed_precondition,
                      HasSubstr("to another directory, and numbering starts again at 1")));
}

TEST_F(BackupSequenceTest, ASequenceFileThatCannotBeWrittenIsIo) {
  ASSERT_TRUE(std::filesystem::create_directory(dir_.file("t.db.safemig-backup-sequence.partial")));
  EXPECT_THAT(choose_backup_path(db_, BackupName{at_2024_05_01_120304(), 1, "", 0, false}),
              ErrorIs(ErrorCode::io, HasSubstr("cannot record the backup sequence in")));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("t.db.safemig-backup-sequence")));
}

TEST_F(BackupSequenceTest, AMissingDirectoryIsNotFound) {
  EXPECT_THAT(choose_backup_path(dir_.file("nowhere/t.db"),
                                 BackupName{at_2024_05_01_120304(), 1, "", 0, false}),
              ErrorIs(ErrorCode::not_found, HasSubstr("No such file or directory")));
}

TEST(BackupNamingTest, FailedDatabaseName) {
  EXPECT_EQ(failed_database_path("/d/t.db", at_2024_05_01_120304(), 1),
            "/d/t.db.failed-20240501-120304");
  EXPECT_EQ(failed_database_path("/d/t.db", at_2024_05_01_120304(), 2),
            "/d/t.db.failed-20240501-120304-2");
}

}  // namespace
}  // namespace safemig::backup::internal
