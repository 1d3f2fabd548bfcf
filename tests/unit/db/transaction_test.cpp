#include "safemig/db/transaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/mock_connection.h"
#include "support/temp_dir.h"

namespace safemig::db {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::MockConnection;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = open_sqlite(dir_.file("t.db"));
    ASSERT_THAT(conn, IsOk());
    conn_ = std::move(*conn);
    ASSERT_THAT(conn_->execute_script("CREATE TABLE t(v INTEGER)"), IsOk());
  }
  TempDir dir_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(TransactionTest, CommitKeepsChanges) {
  auto tx = Transaction::begin(*conn_);
  ASSERT_THAT(tx, IsOk());
  ASSERT_THAT(conn_->execute("INSERT INTO t VALUES (1)"), IsOk());
  ASSERT_THAT(tx->commit(), IsOk());
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_THAT(conn_->query_int("SELECT count(*) FROM t"), IsOkAndHolds(1));
}

TEST_F(TransactionTest, DestructorRollsBack) {
  {
    auto tx = Transaction::begin(*conn_);
    ASSERT_THAT(tx, IsOk());
    ASSERT_THAT(conn_->execute("INSERT INTO t VALUES (1)"), IsOk());
  }
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_THAT(conn_->query_int("SELECT count(*) FROM t"), IsOkAndHolds(0));
}

TEST_F(TransactionTest, SavepointRollbackUndoesOnlyItsPart) {
  auto tx = Transaction::begin(*conn_);
  ASSERT_THAT(tx, IsOk());
  ASSERT_THAT(conn_->execute("INSERT INTO t VALUES (1)"), IsOk());
  {
    auto sp = Savepoint::begin(*conn_, "inner");
    ASSERT_THAT(sp, IsOk());
    ASSERT_THAT(conn_->execute("INSERT INTO t VALUES (2)"), IsOk());
    ASSERT_THAT(sp->rollback(), IsOk());
  }
  ASSERT_THAT(tx->commit(), IsOk());
  EXPECT_THAT(conn_->query_int("SELECT sum(v) FROM t"), IsOkAndHolds(1));
}

TEST_F(TransactionTest, SecondCommitIsFailedPrecondition) {
  auto tx = Transaction::begin(*conn_);
  ASSERT_THAT(tx, IsOk());
  ASSERT_THAT(tx->commit(), IsOk());
  EXPECT_THAT(tx->commit(), ErrorIs(ErrorCode::failed_precondition, HasSubstr("already ended")));
}

TEST(TransactionMock, FailedRollbackIsCountedAndReported) {
  StrictMock<MockConnection> conn;
  EXPECT_CALL(conn, begin(TransactionMode::immediate)).WillOnce(Return(Result<void>{}));
  EXPECT_CALL(conn, in_transaction()).WillOnce(Return(true));
  EXPECT_CALL(conn, rollback())
      .WillOnce(Return(Result<void>(fail(ErrorCode::io, "disk I/O error"))));
  const auto before = failed_rollback_count();
  auto tx = Transaction::begin(conn);
  ASSERT_THAT(tx, IsOk());
  EXPECT_THAT(tx->rollback(), ErrorIs(ErrorCode::io, HasSubstr("disk I/O error")));
  EXPECT_EQ(failed_rollback_count(), before + 1);
}

TEST(TransactionMock, FailedCommitRollsBack) {
  StrictMock<MockConnection> conn;
  EXPECT_CALL(conn, begin(TransactionMode::immediate)).WillOnce(Return(Result<void>{}));
  EXPECT_CALL(conn, commit())
      .WillOnce(Return(Result<void>(fail(ErrorCode::busy, "database is locked"))));
  EXPECT_CALL(conn, in_transaction()).WillRepeatedly(Return(true));
  EXPECT_CALL(conn, rollback()).WillOnce(Return(Result<void>{}));
  auto tx = Transaction::begin(conn);
  ASSERT_THAT(tx, IsOk());
  EXPECT_THAT(tx->commit(), ErrorIs(ErrorCode::busy, HasSubstr("locked")));
  EXPECT_FALSE(tx->active());
}

}  // namespace
}  // namespace safemig::db
