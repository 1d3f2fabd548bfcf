// Tests of WriterLock: one writer per database file, whatever path names it.
//
// flock belongs to the open file description, so a second writer is played by a child process
// (ChildWriter): that is what a second safemig or proxy sees.
#include "safemig/db/writer_lock.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "safemig/backup/restore.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::db {
namespace {

namespace fs = std::filesystem;
using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::read_file;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A writer in another process: takes the lock of `db` (from `cwd` when given), reports whether
// it got it, and holds it until release() or destruction.
class ChildWriter {
 public:
  explicit ChildWriter(const std::string& db, const std::string& command = "child writer",
                       const std::string& cwd = "") {
    if (::pipe(ready_) != 0 || ::pipe(done_) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready_[0]);
      ::close(done_[1]);
      char c = '0';
      if (cwd.empty() || ::chdir(cwd.c_str()) == 0) {
        auto lock = WriterLock::acquire(db, command);
        c = lock ? '1' : '0';
        (void)!::write(ready_[1], &c, 1);
        (void)!::read(done_[0], &c, 1);  // Returns when the parent releases or exits.
      } else {
        (void)!::write(ready_[1], &c, 1);
      }
      ::_exit(0);
    }
    ::close(ready_[1]);
    ::close(done_[0]);
    char c = '0';
    holds_ = pid_ > 0 && ::read(ready_[0], &c, 1) == 1 && c == '1';
    ::close(ready_[0]);
  }
  ChildWriter(const ChildWriter&) = delete;
  ChildWriter& operator=(const ChildWriter&) = delete;
  ~ChildWriter() { release(); }

  bool holds() const { return holds_; }
  pid_t pid() const { return pid_; }
  std::string pid_text() const { return "pid " + std::to_string(pid_); }

  // Lets the child drop the lock (its destructor runs) and waits for it to exit.
  void release() {
    if (pid_ <= 0) return;
    ::close(done_[1]);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  int ready_[2] = {-1, -1};
  int done_[2] = {-1, -1};
  pid_t pid_ = -1;
  bool holds_ = false;
};

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// A small SQLite database with one table.
void make_database(const std::string& path) {
  auto conn = open_sqlite(path);
  ASSERT_THAT(conn, IsOk());
  ASSERT_THAT((*conn)->execute_script("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2);"),
              IsOk());
}

TEST(WriterLock, SecondWriterFailsNamingTheHolder) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  auto first = WriterLock::acquire(db, "safemig migrate");
  ASSERT_THAT(first, IsOk());
  const std::string pid = "pid " + std::to_string(::getpid());
  EXPECT_THAT(WriterLock::acquire(db, "metrics-proxy"),
              ErrorIs(ErrorCode::locked, HasSubstr(pid + " (safemig migrate)")));
  EXPECT_THAT(WriterLock::current_holder(db), HasSubstr(pid));
  EXPECT_TRUE(WriterLock::held_by_this_process(db));
}

TEST(WriterLock, ReleasedLockCanBeTakenAgainAndLeavesNoFile) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  { ASSERT_THAT(WriterLock::acquire(db, "first"), IsOk()); }
  EXPECT_FALSE(fs::exists(WriterLock::lock_path(db)));
  EXPECT_EQ(WriterLock::current_holder(db), "");
  EXPECT_THAT(WriterLock::acquire(db, "second"), IsOk());
}

TEST(WriterLock, ReleasedInAnotherProcessIsTakeableAgain) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  make_database(db);
  ChildWriter child(db);
  ASSERT_TRUE(child.holds());
  EXPECT_THAT(WriterLock::acquire(db, "parent"), ErrorIs(ErrorCode::locked, HasSubstr("pid")));
  child.release();
  EXPECT_EQ(WriterLock::current_holder(db), "");
  EXPECT_THAT(WriterLock::acquire(db, "parent"), IsOk());
}

TEST(WriterLock, StaleDescriptionOfADeadProcessIsOverwritten) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  make_database(db);
  write_file(WriterLock::lock_path(db), "pid 999999 (killed)\n");
  EXPECT_EQ(WriterLock::current_holder(db), "");
  auto lock = WriterLock::acquire(db, "next");
  ASSERT_THAT(lock, IsOk());
  EXPECT_EQ(read_file(WriterLock::lock_path(db)),
            "pid " + std::to_string(::getpid()) + " (next)\n");
}

TEST(WriterLock, HeldByAnotherProcessNamesItsPidAndCommand) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  ChildWriter child(db);
  ASSERT_TRUE(child.holds());
  EXPECT_THAT(WriterLock::acquire(db, "parent"),
              ErrorIs(ErrorCode::locked, HasSubstr(child.pid_text() + " (child writer)")));
  EXPECT_EQ(WriterLock::current_holder(db), child.pid_text() + " (child writer)");
  EXPECT_FALSE(WriterLock::held_by_this_process(db));
}

TEST(WriterLock, SymlinkDoesNotLetASecondWriterIn) {
  TempDir dir;
  const std::string db = dir.file("m.db");
  const std::string link = dir.file("link.db");
  make_database(db);
  fs::create_symlink(db, link);
  {
    ChildWriter child(db);
    ASSERT_TRUE(child.holds());
    EXPECT_THAT(WriterLock::acquire(link, "through the link"),
                ErrorIs(ErrorCode::locked,
                        AllOf(HasSubstr(child.pid_text() + " (child writer)"), HasSubstr(db))));
    EXPECT_THAT(WriterLock::current_holder(link), StartsWith(child.pid_text()));
  }
  ChildWriter through_link(link);
  ASSERT_TRUE(through_link.holds());
  EXPECT_THAT(WriterLock::acquire(db, "by its name"),
              ErrorIs(ErrorCode::locked, HasSubstr(through_link.pid_text() + " (child writer)")));
  // The description is beside the real file, whichever name the holder used.
  EXPECT_EQ(WriterLock::lock_path(link), db + ".writer.lock");
}

TEST(WriterLock, HardlinkDoesNotLetASecondWriterIn) {
  TempDir dir;
  const std::string db = dir.file("m.db");
  const std::string hard = dir.file("hard.db");
  make_database(db);
  fs::create_hard_link(db, hard);
  ChildWriter child(db);
  ASSERT_TRUE(child.holds());
  // No description beside hard.db: the command comes from the holder's command line.
  EXPECT_THAT(WriterLock::acquire(hard, "through the hardlink"),
              ErrorIs(ErrorCode::locked, HasSubstr(child.pid_text() + " (")));
  EXPECT_THAT(WriterLock::current_holder(hard), StartsWith(child.pid_text()));
}

TEST(WriterLock, RelativePathFromAnotherWorkingDirectoryDoesNotLetASecondWriterIn) {
  TempDir dir;
  fs::create_directories(dir.path() / "data");
  fs::create_directories(dir.path() / "elsewhere");
  const std::string db = dir.file("data/m.db");
  make_database(db);
  ChildWriter child("../data/m.db", "relative writer", dir.file("elsewhere"));
  ASSERT_TRUE(child.holds());
  EXPECT_THAT(WriterLock::acquire(db, "absolute"),
              ErrorIs(ErrorCode::locked, HasSubstr(child.pid_text() + " (relative writer)")));
  EXPECT_EQ(read_file(db + ".writer.lock"), child.pid_text() + " (relative writer)\n");
}

TEST(WriterLock, DeletedDescriptionFileDoesNotLetASecondWriterIn) {
  TempDir dir;
  const std::string db = dir.file("m.db");
  make_database(db);
  ChildWriter child(db);
  ASSERT_TRUE(child.holds());
  ASSERT_TRUE(fs::remove(WriterLock::lock_path(db)));
  EXPECT_THAT(WriterLock::acquire(db, "second"),
              ErrorIs(ErrorCode::locked, HasSubstr(child.pid_text() + " (")));
  EXPECT_THAT(WriterLock::current_holder(db), StartsWith(child.pid_text()));
}

TEST(WriterLock, DatabaseCreatedByTheLockIsRemovedWhileStillEmpty) {
  TempDir dir;
  const std::string db = dir.file("new.db");
  {
    auto lock = WriterLock::acquire(db, "fails before writing");
    ASSERT_THAT(lock, IsOk());
    EXPECT_TRUE(fs::exists(db));
  }
  EXPECT_FALSE(fs::exists(db));
  {
    auto lock = WriterLock::acquire(db, "writes");
    ASSERT_THAT(lock, IsOk());
    make_database(db);
  }
  EXPECT_GT(fs::file_size(db), 0u);
}

TEST(WriterLock, MissingDatabaseIsNotFoundWhenItMustExist) {
  TempDir dir;
  const std::string db = dir.file("missing.db");
  EXPECT_THAT(WriterLock::acquire(db, "x", WriterLock::IfMissing::fail),
              ErrorIs(ErrorCode::not_found, HasSubstr("does not exist")));
  EXPECT_FALSE(fs::exists(db));
  make_database(db);
  EXPECT_THAT(WriterLock::acquire(db, "x", WriterLock::IfMissing::fail), IsOk());
}

TEST(WriterLock, EmptyDatabaseThatExistedBeforeIsKept) {
  TempDir dir;
  const std::string db = dir.file("empty.db");
  write_file(db, "");
  { ASSERT_THAT(WriterLock::acquire(db, "x"), IsOk()); }
  EXPECT_TRUE(fs::exists(db));
}

TEST(WriterLock, MissingDirectoryIsIoError) {
  TempDir dir;
  write_file(dir.file("plain"), "x");
  EXPECT_THAT(WriterLock::acquire(dir.file("plain/a.db"), "x"),
              ErrorIs(ErrorCode::io, HasSubstr("cannot open or create the database file")));
  EXPECT_THAT(WriterLock::acquire(dir.file("missing/a.db"), "x"),
              ErrorIs(ErrorCode::io, HasSubstr("check that its directory exists")));
}

TEST(WriterLock, DirectoryIsInvalidInput) {
  TempDir dir;
  EXPECT_THAT(WriterLock::acquire(dir.path().string(), "x"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("is not a regular file")));
}

TEST(WriterLock, DanglingSymlinkIsInvalidInput) {
  TempDir dir;
  fs::create_symlink(dir.file("gone.db"), dir.file("link.db"));
  EXPECT_THAT(
      WriterLock::acquire(dir.file("link.db"), "x"),
      ErrorIs(ErrorCode::invalid_input, HasSubstr("symbolic link to a file that does not")));
}

TEST(WriterLock, UnwritableDescriptionIsIoErrorAndLeavesNothing) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  fs::create_directories(db + ".writer.lock");
  EXPECT_THAT(WriterLock::acquire(db, "x"),
              ErrorIs(ErrorCode::io, HasSubstr("cannot write the writer lock's description")));
  EXPECT_FALSE(fs::exists(db));
  EXPECT_EQ(WriterLock::current_holder(db), "");
}

TEST(WriterLock, CurrentHolderOfAMissingOrFreeDatabaseIsEmpty) {
  TempDir dir;
  EXPECT_EQ(WriterLock::current_holder(dir.file("missing.db")), "");
  const std::string db = dir.file("a.db");
  make_database(db);
  EXPECT_EQ(WriterLock::current_holder(db), "");
  EXPECT_FALSE(WriterLock::held_by_this_process(db));
}

// current_holder() takes no lock: a writer starting while it runs is never refused because of it.
TEST(WriterLock, CurrentHolderNeverBlocksAWriter) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  make_database(db);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(WriterLock::current_holder(db), "");
    auto lock = WriterLock::acquire(db, "writer");
    ASSERT_THAT(lock, IsOk());
  }
}

// ---------------------------------------------------------------------------------------------
// A restore renames a copy over the database: the lock must hold the new file from then on.

class WriterLockRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_database(backup_);
    make_database(db_);
  }
  TempDir dir_;
  std::string db_ = dir_.file("m.db");
  std::string backup_ = dir_.file("m.db.backup-20260101-000000-v1");
};

TEST_F(WriterLockRestoreTest, RestoreKeepsTheLock) {
  {
    auto lock = WriterLock::acquire(db_, "restorer");
    ASSERT_THAT(lock, IsOk());
    const ino_t before = inode_of(db_);
    backup::RestoreOptions options;
    options.force = true;  // No .sha256 beside this backup.
    options.writer_lock = &*lock;
    ASSERT_THAT(backup::restore_backup(backup_, db_, options), IsOk());
    ASSERT_NE(inode_of(db_), before);
    ChildWriter second(db_);
    EXPECT_FALSE(second.holds());
    EXPECT_EQ(WriterLock::current_holder(db_), "pid " + std::to_string(::getpid()) + " (restorer)");
  }
  ChildWriter after_release(db_);
  EXPECT_TRUE(after_release.holds());
}

TEST_F(WriterLockRestoreTest, RestoreOfADatabaseTheLockCreatedKeepsTheRestoredFile) {
  const std::string fresh = dir_.file("fresh.db");
  {
    auto lock = WriterLock::acquire(fresh, "restorer");
    ASSERT_THAT(lock, IsOk());
    backup::RestoreOptions options;
    options.force = true;
    options.writer_lock = &*lock;
    ASSERT_THAT(backup::restore_backup(backup_, fresh, options), IsOk());
    ChildWriter second(fresh);
    EXPECT_FALSE(second.holds());
  }
  EXPECT_GT(fs::file_size(fresh), 0u);
}

TEST_F(WriterLockRestoreTest, RefusedRestoreKeepsTheLockOnTheDatabase) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  write_file(backup_, "not a database at all, long enough to be read as one...........");
  backup::RestoreOptions options;
  options.force = true;
  options.writer_lock = &*lock;
  const ino_t before = inode_of(db_);
  EXPECT_THAT(backup::restore_backup(backup_, db_, options),
              ErrorIs(ErrorCode::not_a_database, HasSubstr("refusing to restore")));
  EXPECT_EQ(inode_of(db_), before);
  ChildWriter second(db_);
  EXPECT_FALSE(second.holds());
}

TEST_F(WriterLockRestoreTest, RestoreWithoutTheHeldLockIsFailedPrecondition) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  backup::RestoreOptions options;
  options.force = true;
  const ino_t before = inode_of(db_);
  EXPECT_THAT(backup::restore_backup(backup_, db_, options),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("RestoreOptions::writer_lock")));
  EXPECT_EQ(inode_of(db_), before);
}

TEST_F(WriterLockRestoreTest, ReplacementNotRenamedIsLetGo) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  const std::string copy = dir_.file("copy.db");
  make_database(copy);
  ASSERT_THAT(lock->lock_replacement(copy), IsOk());
  ASSERT_THAT(lock->settle_replacement(), IsOk());
  ChildWriter on_copy(copy);
  EXPECT_TRUE(on_copy.holds());
  ChildWriter on_db(db_);
  EXPECT_FALSE(on_db.holds());
}

TEST_F(WriterLockRestoreTest, MissingReplacementIsIoError) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  EXPECT_THAT(lock->lock_replacement(dir_.file("missing.db")),
              ErrorIs(ErrorCode::io, HasSubstr("cannot open the replacement database")));
  EXPECT_THAT(lock->settle_replacement(), IsOk());
}

TEST_F(WriterLockRestoreTest, ReplacementLockedByAnotherProcessIsLocked) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  const std::string copy = dir_.file("copy.db");
  make_database(copy);
  ChildWriter other(copy);
  ASSERT_TRUE(other.holds());
  EXPECT_THAT(lock->lock_replacement(copy),
              ErrorIs(ErrorCode::locked, HasSubstr(other.pid_text())));
}

TEST_F(WriterLockRestoreTest, SecondPendingReplacementIsFailedPrecondition) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  const std::string copy = dir_.file("copy.db");
  make_database(copy);
  ASSERT_THAT(lock->lock_replacement(copy), IsOk());
  EXPECT_THAT(lock->lock_replacement(backup_),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("already pending")));
  WriterLock moved = std::move(*lock);
  EXPECT_THAT(lock->lock_replacement(copy),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("not held")));
}

TEST_F(WriterLockRestoreTest, DatabaseReplacedByAnotherProcessIsAborted) {
  auto lock = WriterLock::acquire(db_, "restorer");
  ASSERT_THAT(lock, IsOk());
  const std::string copy = dir_.file("copy.db");
  const std::string intruder = dir_.file("intruder.db");
  make_database(copy);
  make_database(intruder);
  ASSERT_THAT(lock->lock_replacement(copy), IsOk());
  fs::rename(intruder, db_);
  EXPECT_THAT(lock->settle_replacement(),
              ErrorIs(ErrorCode::aborted, HasSubstr("replaced by another process")));
}

// The manager restores its file backup after a step that failed outside a transaction, and
// when it recovers a step a killed run left half done: it keeps the lock on the restored file.

migrate::MigrationSet two_steps(migrate::StepBody v2, std::string definition = "") {
  migrate::MigrationStep v1;
  v1.version = 1;
  v1.name = "create";
  v1.up = std::string("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
  migrate::MigrationStep second;
  second.version = 2;
  second.name = "outside";
  second.transactional = false;
  second.up = std::move(v2);
  second.definition = std::move(definition);
  auto set = migrate::MigrationSet::create({std::move(v1), std::move(second)}, "lock test");
  EXPECT_THAT(set, IsOk());
  return std::move(*set);
}

TEST(WriterLockManager, RestoreAfterAFailedStepKeepsTheLock) {
  TempDir dir;
  const std::string db = dir.file("m.db");
  const migrate::MigrationSet set = two_steps(std::string(
      "CREATE TABLE scratch (x); INSERT INTO scratch VALUES (1); INSERT INTO nowhere VALUES (1);"));
  migrate::ManagerOptions options;
  options.db_path = db;
  options.command = "manager";
  auto manager = migrate::SafeMigrationManager::open(set, options);
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(1), IsOk());
  const ino_t before = inode_of(db);
  EXPECT_THAT((*manager)->migrate(),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("restored from the file backup")));
  ASSERT_NE(inode_of(db), before);
  ChildWriter second(db);
  EXPECT_FALSE(second.holds());
  EXPECT_EQ(WriterLock::current_holder(db), "pid " + std::to_string(::getpid()) + " (manager)");
}

TEST(WriterLockManager, RecoveryFromAJournalKeepsTheLock) {
  TempDir dir;
  const std::string db = dir.file("m.db");
  const migrate::MigrationSet set =
      two_steps(migrate::StepCallable([](db::Connection& conn) -> Result<void> {
                  SAFEMIG_TRY_VOID(conn.execute_script("CREATE TABLE scratch (x);"));
                  ::_exit(9);  // Killed half way through a step outside a transaction.
                }),
                "create scratch, then die");
  migrate::ManagerOptions options;
  options.db_path = db;
  options.command = "manager";
  const pid_t killed = ::fork();
  ASSERT_GE(killed, 0);
  if (killed == 0) {
    auto manager = migrate::SafeMigrationManager::open(set, options);
    if (manager) (void)(*manager)->migrate();
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(killed, &status, 0), killed);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 9) << "the step did not run";
  auto manager = migrate::SafeMigrationManager::open(set, options);
  ASSERT_THAT(manager, IsOk());
  ASSERT_TRUE((*manager)->recovery().has_value());
  EXPECT_NE((*manager)->recovery()->restored_from, "");
  ChildWriter second(db);
  EXPECT_FALSE(second.holds());
}

}  // namespace
}  // namespace safemig::db
