// Connection::set_progress_handler: called while a long statement runs, never interrupting it,
// and silent once removed; decorators forward it to the engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "safemig/db/sqlite_connection.h"
#include "support/fault_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::db {
namespace {

using ::safemig::testing::FaultConnection;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;

constexpr const char* kLongStatement =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) "
    "SELECT count(*) FROM c";

TEST(ProgressHandler, IsCalledDuringALongStatementWhichItDoesNotInterrupt) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  int calls = 0;
  (*conn)->set_progress_handler([&calls] { ++calls; }, 1000);
  EXPECT_THAT((*conn)->query_int(kLongStatement), IsOkAndHolds(300000));
  EXPECT_GT(calls, 100);
}

TEST(ProgressHandler, IsNotCalledOnceRemoved) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  int calls = 0;
  (*conn)->set_progress_handler([&calls] { ++calls; }, 1000);
  ASSERT_THAT((*conn)->query_int(kLongStatement), IsOk());
  ASSERT_GT(calls, 0);
  (*conn)->set_progress_handler(nullptr, 0);
  const int before = calls;
  EXPECT_THAT((*conn)->query_int(kLongStatement), IsOkAndHolds(300000));
  EXPECT_EQ(calls, before);
}

TEST(ProgressHandler, ANewHandlerReplacesThePreviousOne) {
  TempDir dir;
  auto conn = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  int first = 0;
  int second = 0;
  (*conn)->set_progress_handler([&first] { ++first; }, 1000);
  (*conn)->set_progress_handler([&second] { ++second; }, 1000);
  ASSERT_THAT((*conn)->query_int(kLongStatement), IsOk());
  EXPECT_EQ(first, 0);
  EXPECT_GT(second, 0);
}

TEST(ProgressHandler, ADecoratorForwardsItToTheEngine) {
  TempDir dir;
  auto inner = open_sqlite(dir.file("a.db"));
  ASSERT_THAT(inner, IsOk());
  FaultConnection conn(std::move(*inner));
  int calls = 0;
  conn.set_progress_handler([&calls] { ++calls; }, 1000);
  ASSERT_THAT(conn.query_int(kLongStatement), IsOk());
  EXPECT_GT(calls, 0);
  conn.set_progress_handler(nullptr, 0);
  const int before = calls;
  ASSERT_THAT(conn.query_int(kLongStatement), IsOk());
  EXPECT_EQ(calls, before);
}

}  // namespace
}  // namespace safemig::db
