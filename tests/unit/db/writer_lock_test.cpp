#include "safemig/db/writer_lock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::db {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;

TEST(WriterLock, SecondWriterFailsNamingTheHolder) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  auto first = WriterLock::acquire(db, "safemig migrate");
  ASSERT_THAT(first, IsOk());
  const std::string pid = "pid " + std::to_string(::getpid());
  EXPECT_THAT(WriterLock::acquire(db, "metrics-proxy"),
              ErrorIs(ErrorCode::locked, HasSubstr(pid + " (safemig migrate)")));
  EXPECT_THAT(WriterLock::current_holder(db), HasSubstr(pid));
}

TEST(WriterLock, ReleasedLockCanBeTakenAgainAndLeavesNoFile) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  { ASSERT_THAT(WriterLock::acquire(db, "first"), IsOk()); }
  EXPECT_FALSE(std::filesystem::exists(WriterLock::lock_path(db)));
  EXPECT_EQ(WriterLock::current_holder(db), "");
  EXPECT_THAT(WriterLock::acquire(db, "second"), IsOk());
}

TEST(WriterLock, StaleLockFileOfADeadProcessIsTakenOver) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  ::safemig::testing::write_file(WriterLock::lock_path(db), "pid 999999 (killed)\n");
  EXPECT_EQ(WriterLock::current_holder(db), "");
  EXPECT_THAT(WriterLock::acquire(db, "next"), IsOk());
}

TEST(WriterLock, HeldByAnotherProcessAcrossFork) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  int ready[2];
  int done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = WriterLock::acquire(db, "child writer");
    char c = lock ? '1' : '0';
    (void)!::write(ready[1], &c, 1);
    (void)!::read(done[0], &c, 1);
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, '1');
  EXPECT_THAT(
      WriterLock::acquire(db, "parent"),
      ErrorIs(ErrorCode::locked, HasSubstr("pid " + std::to_string(child) + " (child writer)")));
  (void)!::write(done[1], &c, 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_THAT(WriterLock::acquire(db, "parent"), IsOk());
}

TEST(WriterLock, UnwritableLocationIsIoError) {
  TempDir dir;
  ::safemig::testing::write_file(dir.file("plain"), "x");
  EXPECT_THAT(WriterLock::acquire(dir.file("plain/a.db"), "x"),
              ErrorIs(ErrorCode::io, HasSubstr("cannot create the writer lock file")));
}

}  // namespace
}  // namespace safemig::db
