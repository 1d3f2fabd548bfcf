#include "safemig/migrate/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;

TEST(Journal, RoundTripsEveryField) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  JournalEntry entry{4,
                     "big_insert",
                     Direction::down,
                     4,
                     3,
                     false,
                     "/x/a.db.backup-1-v4",
                     77,
                     "2026-11-22T07:00:00.000Z"};
  ASSERT_THAT(write_journal(db, entry), IsOk());
  auto read = read_journal(db);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  const JournalEntry& got = **read;
  EXPECT_EQ(got.version, 4);
  EXPECT_EQ(got.name, "big_insert");
  EXPECT_EQ(got.direction, Direction::down);
  EXPECT_EQ(got.from_version, 4);
  EXPECT_EQ(got.to_version, 3);
  EXPECT_FALSE(got.transactional);
  EXPECT_EQ(got.backup_path, "/x/a.db.backup-1-v4");
  EXPECT_EQ(got.pid, 77);
  EXPECT_FALSE(std::filesystem::exists(journal_path(db) + ".tmp"));
}

TEST(Journal, AbsentJournalIsNullopt) {
  TempDir dir;
  auto read = read_journal(dir.file("a.db"));
  ASSERT_THAT(read, IsOk());
  EXPECT_FALSE(read->has_value());
  EXPECT_THAT(remove_journal(dir.file("a.db")), IsOk());
}

TEST(Journal, UnparsableJournalIsCorrupt) {
  TempDir dir;
  ::safemig::testing::write_file(journal_path(dir.file("a.db")), "version=x\n");
  EXPECT_THAT(read_journal(dir.file("a.db")),
              ErrorIs(ErrorCode::corrupt, HasSubstr("has no valid 'version'")));
}

TEST(Journal, UnwritableDirectoryIsIoError) {
  TempDir dir;
  ::safemig::testing::write_file(dir.file("file"), "x");
  EXPECT_THAT(write_journal(dir.file("file/a.db"), JournalEntry{}),
              ErrorIs(ErrorCode::io, HasSubstr("cannot write the migration journal")));
}

}  // namespace
}  // namespace safemig::migrate
