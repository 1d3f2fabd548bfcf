// Tests of spill_path_in_dir: where --spill-dir puts the journal, and the errors that stop the
// proxy at startup when the directory cannot hold it.
#include "safemig/proxy/spill_location.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class SpillLocationTest : public ::testing::Test {
 protected:
  safemig::testing::TempDir dir_;
};

TEST_F(SpillLocationTest, JournalIsNamedAfterTheDatabaseInsideTheDirectory) {
  const std::string db = dir_.file("metrics.db");
  auto path = spill_path_in_dir(dir_.path().string(), db);
  ASSERT_THAT(path, IsOk());
  EXPECT_THAT(*path, AllOf(StartsWith((dir_.path() / "metrics.db-").string()),
                           EndsWith(".recorder-spill")));
  EXPECT_THAT(spill_path_in_dir(dir_.path().string(), db), IsOkAndHolds(*path));
  // No probe file is left behind.
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(SpillLocationTest, DatabasesWithTheSameFileNameGetDifferentJournals) {
  std::filesystem::create_directories(dir_.path() / "a");
  std::filesystem::create_directories(dir_.path() / "b");
  auto a = spill_path_in_dir(dir_.path().string(), dir_.file("a/metrics.db"));
  auto b = spill_path_in_dir(dir_.path().string(), dir_.file("b/metrics.db"));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_NE(*a, *b);
}

TEST_F(SpillLocationTest, MissingDirectoryIsRefused) {
  EXPECT_THAT(spill_path_in_dir(dir_.file("missing"), dir_.file("metrics.db")),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("--spill-dir"), HasSubstr("create the directory first"))));
}

TEST_F(SpillLocationTest, FileIsRefused) {
  safemig::testing::write_file(dir_.file("plain"), "x");
  EXPECT_THAT(spill_path_in_dir(dir_.file("plain"), dir_.file("metrics.db")),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("is not a directory")));
}

TEST_F(SpillLocationTest, DirectoryThatTakesNoFilesIsRefused) {
  // /proc refuses new files even to root.
  EXPECT_THAT(spill_path_in_dir("/proc", dir_.file("metrics.db")),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("does not take new files")));
}

TEST_F(SpillLocationTest, EmptyNameIsRefused) {
  EXPECT_THAT(spill_path_in_dir("", dir_.file("metrics.db")),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("is empty")));
}

}  // namespace
}  // namespace safemig::proxy
