// Tests of Recorder when the database fails: failed commits and failed disk writes spill the
// batch and replay it after recovery without duplicates; a journal left by an earlier process is
// replayed at start; a database that cannot be opened at all sends everything to the journal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "recorder_test_support.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/proxy/recorder.h"
#include "support/fault_connection.h"
#include "support/fault_vfs.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy {
namespace {

using ::safemig::testing::FaultConnection;
using ::safemig::testing::FaultVfs;
using ::safemig::testing::IsOk;
using std::chrono::milliseconds;

class RecorderFailureTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::create_migrated(db_)); }
  void TearDown() override { FaultVfs::instance().disarm(); }

  RecorderOptions options(ConnectionFactory connect) {
    RecorderOptions o;
    o.connect = std::move(connect);
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

  // A factory whose first connection is wrapped by `wrap`; later ones are plain.
  template <typename Wrap>
  ConnectionFactory first_wrapped(Wrap wrap) {
    auto first = std::make_shared<std::atomic<bool>>(true);
    return [this, wrap, first]() -> Result<std::unique_ptr<db::Connection>> {
      SAFEMIG_TRY(auto connection, db::open_sqlite(db_));
      if (!first->exchange(false)) return connection;
      return wrap(std::move(connection));
    };
  }

  static ConnectionFactory unopenable() {
    return []() -> Result<std::unique_ptr<db::Connection>> {
      return fail(ErrorCode::io, "unable to open database file (injected)");
    };
  }

  std::vector<dao::CompletionRequest> submit_all(Recorder& recorder, const std::string& prefix,
                                                 int count) {
    std::vector<dao::CompletionRequest> records;
    for (int i = 0; i < count; ++i) {
      records.push_back(testing::make_record(prefix, i));
      EXPECT_TRUE(recorder.submit(records.back()));
    }
    return records;
  }

  bool journal_gone() const {
    return !std::filesystem::exists(spill_) && !std::filesystem::exists(spill_ + ".replaying");
  }

  safemig::testing::TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
  std::string spill_ = Recorder::default_spill_path(db_);
};

TEST_F(RecorderFailureTest, FailedCommitIsSpilledAndReplayed) {
  auto recorder = start(options(first_wrapped([](std::unique_ptr<db::Connection> c) {
    auto faulty = std::make_unique<FaultConnection>(std::move(c));
    faulty->fail_on("COMMIT", 1, Error(ErrorCode::io, "disk I/O error (injected)"));
    return Result<std::unique_ptr<db::Connection>>(std::move(faulty));
  })));
  ASSERT_NE(recorder, nullptr);
  const auto records = submit_all(*recorder, "c", 50);
  ASSERT_TRUE(testing::eventually([&] {
    const RecorderStats s = recorder->stats();
    return s.rows_written + s.rows_replayed == 50 && journal_gone();
  }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const RecorderStats s = recorder->stats();
  EXPECT_GE(s.write_errors, 1u);
  EXPECT_GE(s.rows_spilled, 1u);
  EXPECT_EQ(s.rows_replayed, s.rows_spilled);
  EXPECT_EQ(s.rows_dropped, 0u);
  EXPECT_EQ(s.rows_skipped_duplicate, 0u);
  EXPECT_EQ(testing::read_all(db_), records);
}

TEST_F(RecorderFailureTest, CommitWhoseAcknowledgementWasLostIsNotDuplicated) {
  auto recorder = start(options(first_wrapped([](std::unique_ptr<db::Connection> c) {
    return Result<std::unique_ptr<db::Connection>>(
        std::make_unique<testing::LostCommitAckConnection>(std::move(c)));
  })));
  ASSERT_NE(recorder, nullptr);
  const auto records = submit_all(*recorder, "l", 50);
  ASSERT_TRUE(testing::eventually([&] {
    const RecorderStats s = recorder->stats();
    return s.rows_written + s.rows_skipped_duplicate == 50 && journal_gone();
  }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const RecorderStats s = recorder->stats();
  EXPECT_GE(s.rows_spilled, 1u);
  // The spilled batch was in fact committed: its replay skips every record of it.
  EXPECT_EQ(s.rows_skipped_duplicate, s.rows_spilled);
  EXPECT_EQ(s.rows_replayed, 0u);
  EXPECT_EQ(testing::read_all(db_), records);
}

TEST_F(RecorderFailureTest, FailingDiskWritesSpillUntilTheDiskRecovers) {
  FaultVfs& vfs = FaultVfs::instance();
  db::SqliteOptions faulty;
  faulty.vfs = FaultVfs::kName;
  vfs.fail_writes_after("-wal", 0);
  auto recorder = start(options(testing::sqlite_factory(db_, faulty)));
  ASSERT_NE(recorder, nullptr);
  const auto records = submit_all(*recorder, "d", 40);
  ASSERT_TRUE(testing::eventually([&] { return recorder->stats().rows_spilled == 40; }));
  RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_written, 0u);
  EXPECT_GE(s.write_errors, 1u);
  EXPECT_GE(vfs.failures(), 1);
  // A reconnect may already have moved the journal aside for a replay that failed in turn.
  EXPECT_EQ(testing::count_lines(spill_) + testing::count_lines(spill_ + ".replaying"), 40u);

  vfs.disarm();
  ASSERT_TRUE(
      testing::eventually([&] { return recorder->stats().rows_replayed == 40 && journal_gone(); }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  s = recorder->stats();
  EXPECT_EQ(s.rows_dropped, 0u);
  EXPECT_EQ(s.rows_skipped_duplicate, 0u);
  EXPECT_EQ(testing::read_all(db_), records);
}

TEST_F(RecorderFailureTest, UnopenableDatabaseSendsEverythingToTheJournal) {
  auto recorder = start(options(unopenable()));
  ASSERT_NE(recorder, nullptr);
  submit_all(*recorder, "u", 30);
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_spilled, 30u);
  EXPECT_EQ(s.rows_written, 0u);
  EXPECT_EQ(s.rows_dropped, 0u);
  EXPECT_GE(s.write_errors, 1u);
  EXPECT_FALSE(s.database_available);
  EXPECT_EQ(testing::count_lines(spill_), 30u);
  EXPECT_EQ(testing::read_all(db_).size(), 0u);
}

TEST_F(RecorderFailureTest, JournalOfAnEarlierProcessIsReplayedAtStart) {
  std::vector<dao::CompletionRequest> records;
  {
    auto earlier = start(options(unopenable()));
    ASSERT_NE(earlier, nullptr);
    records = submit_all(*earlier, "p", 30);
    ASSERT_THAT(earlier->flush_and_stop(milliseconds(30000)), IsOk());
  }
  ASSERT_EQ(testing::count_lines(spill_), 30u);
  {
    // Record p-5 was in fact committed before the earlier process went down.
    auto connection = db::open_sqlite(db_);
    ASSERT_THAT(connection, IsOk());
    auto writer = dao::CompletionRequestsWriter::create(**connection);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT(writer->insert(records[5]), IsOk());
  }
  // The earlier process died in the middle of an append.
  safemig::testing::write_file(spill_,
                               safemig::testing::read_file(spill_) + "{\"timestamp_ms\":179");

  auto recorder = start(options(testing::sqlite_factory(db_)));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(testing::eventually([&] {
    const RecorderStats s = recorder->stats();
    return s.rows_replayed == 29 && s.rows_skipped_duplicate == 1 && journal_gone();
  }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(recorder->stats().rows_dropped, 1u);  // The torn line.
  EXPECT_EQ(testing::read_all(db_), records);
}

}  // namespace
}  // namespace safemig::proxy
