// The server's connections are read-only: every write is refused by the engine, nothing is
// created for a missing file, and a connection is reused across leases.
#include "safemig/metrics_server/read_only_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "metrics_test_db.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

using ::safemig::testing::ErrorIs;
using ::testing::_;

constexpr std::int64_t kT0 = 1795332600000;

TEST(ReadOnlyDatabase, ItsConnectionsRefuseEveryWrite) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("a.db");
  testing::create_database(path);
  testing::write_records(path, testing::sample_records(10, kT0, 60'000, 1));
  ReadOnlyDatabase database(path);
  auto lease = database.acquire();
  ASSERT_TRUE(lease.has_value()) << lease.error().describe();
  db::Connection& connection = lease->connection();
  EXPECT_TRUE(connection.read_only());
  EXPECT_THAT(connection.execute("DELETE FROM completion_requests"),
              ErrorIs(ErrorCode::read_only, _));
  EXPECT_THAT(connection.execute("UPDATE completion_requests SET model = 'x'"),
              ErrorIs(ErrorCode::read_only, _));
  EXPECT_THAT(connection.execute("CREATE TABLE t(x)"), ErrorIs(ErrorCode::read_only, _));
  EXPECT_THAT(connection.execute_script("PRAGMA query_only=OFF; DELETE FROM completion_requests;"),
              ErrorIs(ErrorCode::read_only, _));
  EXPECT_EQ(testing::sql_int(path, "SELECT count(*) FROM completion_requests"), 10);
}

TEST(ReadOnlyDatabase, MissingFileIsNotFoundAndNotCreated) {
  ::safemig::testing::TempDir dir;
  ReadOnlyDatabase database(dir.file("missing.db"));
  EXPECT_THAT(database.acquire(), ErrorIs(ErrorCode::not_found, _));
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db")));
}

TEST(ReadOnlyDatabase, ReusesAReturnedConnection) {
  ::safemig::testing::TempDir dir;
  testing::create_database(dir.file("a.db"));
  ReadOnlyDatabase database(dir.file("a.db"));
  const db::Connection* first = nullptr;
  {
    auto lease = database.acquire();
    ASSERT_TRUE(lease.has_value());
    first = &lease->connection();
    auto second = database.acquire();
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(&second->connection(), first) << "a leased connection is never shared";
  }
  auto again = database.acquire();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(&again->connection(), first) << "the most recently returned connection is reused";
}

// A WAL database whose writer has closed has no -wal and -shm files, and SQLite needs them to read
// it. A user who may not create them in the directory gets an error that names the way out. The
// check runs in a child process: as root it drops to nobody, since root may write anywhere.
TEST(ReadOnlyDatabase, WalDatabaseAUserCannotOpenTheLogOfIsAnIoErrorThatSaysWhy) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("a.db");
  testing::create_database(path);
  testing::write_records(path, testing::sample_records(3, kT0, 60'000, 1));
  ASSERT_FALSE(std::filesystem::exists(path + "-wal")) << "the writer removes its log on close";
  const bool root = ::geteuid() == 0;
  // Anyone may enter and read; only root may write, and without root not even the owner.
  ASSERT_EQ(::chmod(dir.path().c_str(), root ? 0755 : 0555), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    constexpr uid_t kNobody = 65534;
    if (root &&
        (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) {
      _exit(10);
    }
    ReadOnlyDatabase database(path);
    const auto lease = database.acquire();
    if (lease.has_value()) _exit(11);
    if (lease.error().code != ErrorCode::io) _exit(12);
    if (lease.error().message.find("read it while its writer runs, or let this user write to") ==
        std::string::npos) {
      _exit(13);
    }
    _exit(std::filesystem::exists(path + "-shm") ? 14 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10: cannot become nobody, 11: the database opened, 12: not an io error, 13: the message "
         "does not say what to do, 14: an -shm file was created";
}

// A restore renames another file over the path: the pooled connections to the old file are
// dropped, and the next lease reads the new one.
TEST(ReadOnlyDatabase, FileReplacedUnderItsPathIsReopened) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("a.db");
  const std::string other = dir.file("b.db");
  testing::create_database(path);
  testing::write_records(path, testing::sample_records(10, kT0, 60'000, 1));
  testing::create_database(other);
  testing::write_records(other, testing::sample_records(3, kT0, 60'000, 1));
  ReadOnlyDatabase database(path);
  const auto count = [&] {
    auto lease = database.acquire();
    EXPECT_TRUE(lease.has_value()) << lease.error().describe();
    auto row = lease->connection().query_one("SELECT count(*) FROM completion_requests");
    EXPECT_TRUE(row.has_value()) << row.error().describe();
    return row->int64(0);
  };
  EXPECT_EQ(count(), 10);
  EXPECT_EQ(count(), 10);  // The pooled connection.
  std::filesystem::rename(other, path);
  EXPECT_EQ(count(), 3);
}

TEST(ReadOnlyDatabase, OtherSchemaVersionIsFailedPrecondition) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("a.db");
  testing::create_database(path, 2);
  ReadOnlyDatabase database(path);
  EXPECT_THAT(database.acquire_at_version(2), ::safemig::testing::IsOk());
  EXPECT_THAT(database.acquire_at_version(4),
              ErrorIs(ErrorCode::failed_precondition,
                      ::testing::HasSubstr("is at schema version 2 and this server reads version "
                                           "4; start metrics-proxy")));
}

}  // namespace
}  // namespace safemig::metrics_server
