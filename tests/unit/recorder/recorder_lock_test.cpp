// Tests of Recorder while the database is locked by another connection or nothing is writable:
// batches reach the journal without waiting out the connection's busy timeout, recovery is
// logged only once a batch commits, and a shutdown with nowhere to write reports the loss.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "log_capture.h"
#include "recorder_test_support.h"
#include "safemig/proxy/recorder.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr const char* kRecovered = "database available again";

class RecorderLockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::create_migrated(db_)); }
  void TearDown() override { release_lock(); }

  // Another connection takes the database's write lock, as `sqlite3` running BEGIN EXCLUSIVE.
  void take_lock() {
    auto holder = db::open_sqlite(db_);
    ASSERT_THAT(holder, IsOk());
    holder_ = std::move(*holder);
    ASSERT_THAT(holder_->execute("BEGIN EXCLUSIVE"), IsOk());
  }
  void release_lock() {
    if (holder_) {
      EXPECT_THAT(holder_->execute("ROLLBACK"), IsOk());
    }
    holder_.reset();
  }

  // The recorder's connections wait up to a minute for a lock unless the recorder bounds it.
  RecorderOptions options() {
    db::SqliteOptions patient;
    patient.busy_timeout = std::chrono::minutes(1);
    RecorderOptions o;
    o.connect = testing::sqlite_factory(db_, patient);
    o.spill_path = spill_;
    o.max_batch_delay = milliseconds(5);
    o.retry_backoff_min = milliseconds(1);
    o.retry_backoff_max = milliseconds(20);
    return o;
  }

  std::unique_ptr<Recorder> start(RecorderOptions o) {
    auto recorder = Recorder::start(std::move(o));
    EXPECT_THAT(recorder, IsOk());
    return recorder ? std::move(*recorder) : nullptr;
  }

  std::size_t journal_lines() const {
    return testing::count_lines(spill_) + testing::count_lines(spill_ + ".replaying");
  }
  bool journal_gone() const {
    return !std::filesystem::exists(spill_) && !std::filesystem::exists(spill_ + ".replaying");
  }

  safemig::testing::TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
  std::string spill_ = Recorder::default_spill_path(db_);
  std::unique_ptr<db::Connection> holder_;
};

TEST_F(RecorderLockTest, LockedDatabaseSendsTheBatchToTheJournalWithoutWaitingOutTheLock) {
  auto recorder = start(options());
  ASSERT_NE(recorder, nullptr);
  take_lock();
  std::vector<dao::CompletionRequest> records;
  for (int i = 0; i < 20; ++i) {
    records.push_back(testing::make_record("k", i));
    ASSERT_TRUE(recorder->submit(records.back()));
  }
  // The lock is still held: the records can only be in the journal.
  ASSERT_TRUE(testing::eventually(
      [&] { return journal_lines() == 20 && recorder->stats().rows_spilled == 20; }));
  EXPECT_EQ(recorder->stats().rows_written, 0u);

  release_lock();
  ASSERT_TRUE(
      testing::eventually([&] { return recorder->stats().rows_replayed == 20 && journal_gone(); }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(testing::read_all(db_), records);
}

TEST_F(RecorderLockTest, RecoveryIsLoggedOnlyAfterABatchCommits) {
  testing::LogCapture log;
  take_lock();
  auto recorder = start(options());
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(recorder->submit(testing::make_record("a", 0)));
  // Several reconnects, each of which opens the database fine and then fails to write.
  ASSERT_TRUE(testing::eventually([&] { return recorder->stats().write_errors >= 5; }));
  EXPECT_EQ(log.count(kRecovered), 0u);
  EXPECT_FALSE(recorder->stats().database_available);

  release_lock();
  ASSERT_TRUE(testing::eventually([&] { return recorder->stats().rows_replayed == 1; }));
  ASSERT_TRUE(testing::eventually([&] { return log.count(kRecovered) == 1; }));
  EXPECT_TRUE(recorder->stats().database_available);
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
}

TEST_F(RecorderLockTest, StopReplaysTheJournalWhenTheDatabaseRecoveredDuringTheBackoff) {
  RecorderOptions o = options();
  o.retry_backoff_min = std::chrono::minutes(1);
  o.retry_backoff_max = std::chrono::minutes(1);
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  take_lock();
  std::vector<dao::CompletionRequest> records;
  for (int i = 0; i < 5; ++i) {
    records.push_back(testing::make_record("b", i));
    ASSERT_TRUE(recorder->submit(records.back()));
  }
  ASSERT_TRUE(testing::eventually([&] { return recorder->stats().rows_spilled == 5; }));
  release_lock();
  // The next scheduled attempt is a minute away; the stop does not wait for it.
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(recorder->stats().rows_replayed, 5u);
  EXPECT_TRUE(journal_gone());
  EXPECT_EQ(testing::read_all(db_), records);
}

TEST_F(RecorderLockTest, ShutdownWithNothingWritableReportsHowManyRecordsWereLost) {
  RecorderOptions o = options();
  o.connect = []() -> Result<std::unique_ptr<db::Connection>> {
    return fail(ErrorCode::io, "disk full (injected)");
  };
  o.spill_path = dir_.file("missing-directory/journal");
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(recorder->submit(testing::make_record("x", i)));
  EXPECT_THAT(recorder->flush_and_stop(milliseconds(50)),
              ErrorIs(ErrorCode::data_loss, HasSubstr("30 records")));
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_dropped, 30u);
  EXPECT_EQ(s.rows_spilled, 0u);
}

}  // namespace
}  // namespace safemig::proxy
