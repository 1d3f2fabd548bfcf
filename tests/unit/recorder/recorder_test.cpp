// Tests of Recorder on a healthy database: every record arrives exactly once, batches group,
// submit() never waits for a stalled database, overflow spills, shutdown flushes, invalid records
// are isolated.
#include "safemig/proxy/recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "recorder_test_support.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::create_migrated(db_)); }

  RecorderOptions options() {
    RecorderOptions o;
    o.connect = testing::sqlite_factory(db_);
    o.spill_path = Recorder::default_spill_path(db_);
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

  // A factory whose first connection stalls at `gate`; later ones are plain.
  ConnectionFactory stalling_factory(std::shared_ptr<testing::Gate> gate) {
    auto first = std::make_shared<std::atomic<bool>>(true);
    return [this, gate, first]() -> Result<std::unique_ptr<db::Connection>> {
      SAFEMIG_TRY(auto connection, db::open_sqlite(db_));
      if (!first->exchange(false)) return connection;
      return std::unique_ptr<db::Connection>(
          std::make_unique<testing::StallingConnection>(std::move(connection), gate));
    };
  }

  bool journal_gone() const {
    return !std::filesystem::exists(Recorder::default_spill_path(db_)) &&
           !std::filesystem::exists(Recorder::default_spill_path(db_) + ".replaying");
  }

  safemig::testing::TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
};

TEST_F(RecorderTest, RecordsFromFourThreadsArriveExactlyOnce) {
  auto recorder = start(options());
  ASSERT_NE(recorder, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> kept{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (recorder->submit(testing::make_record("t" + std::to_string(t), i))) ++kept;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(kept.load(), kThreads * kPerThread);

  std::map<std::string, dao::CompletionRequest> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      auto r = testing::make_record("t" + std::to_string(t), i);
      expected.emplace(r.request_id, r);
    }
  }
  const auto rows = testing::read_all(db_);
  ASSERT_EQ(rows.size(), expected.size());
  std::map<std::string, dao::CompletionRequest> actual;
  for (const auto& r : rows) EXPECT_TRUE(actual.emplace(r.request_id, r).second) << r.request_id;
  EXPECT_EQ(actual, expected);

  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_submitted, 8000u);
  EXPECT_EQ(s.rows_written + s.rows_replayed, 8000u);
  EXPECT_EQ(s.rows_dropped, 0u);
  EXPECT_EQ(s.queue_depth, 0u);
  ASSERT_GT(s.batches, 0u);
  EXPECT_GT(s.rows_written / s.batches, 1u);
  EXPECT_EQ(s.batch_duration_count, s.batches);
  EXPECT_LE(s.batch_duration_buckets.front(), s.batch_duration_buckets.back());
}

TEST_F(RecorderTest, SubmitNeverWaitsForAStalledDatabase) {
  auto gate = std::make_shared<testing::Gate>();
  RecorderOptions o = options();
  o.connect = stalling_factory(gate);
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(recorder->submit(testing::make_record("s", 0)));
  ASSERT_TRUE(testing::eventually([&] { return gate->has_waiter(); }));

  // The writer thread is stuck inside the database, and its stats say for how long.
  const auto stuck = recorder->stats().write_in_progress;
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_GE(recorder->stats().write_in_progress - stuck, milliseconds(20));
  EXPECT_TRUE(recorder->stats().database_available);
  // Every submit must still return.
  int kept = 0;
  for (int i = 1; i <= 1000; ++i) kept += recorder->submit(testing::make_record("s", i)) ? 1 : 0;
  EXPECT_EQ(kept, 1000);
  EXPECT_EQ(recorder->stats().queue_depth, 1000u);
  EXPECT_EQ(recorder->stats().rows_written, 0u);

  gate->open();
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(testing::read_all(db_).size(), 1001u);
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_written, 1001u);
  EXPECT_EQ(s.write_in_progress, milliseconds(0));
  // 1 stalled row, then the 1000 queued ones in batches of at most 512.
  EXPECT_LE(s.batches, 4u);
  EXPECT_GT(s.rows_written / s.batches, 1u);
}

TEST_F(RecorderTest, QueueOverflowSpillsInsteadOfDropping) {
  auto gate = std::make_shared<testing::Gate>();
  RecorderOptions o = options();
  o.connect = stalling_factory(gate);
  o.queue_capacity = 16;
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(recorder->submit(testing::make_record("o", 0)));
  ASSERT_TRUE(testing::eventually([&] { return gate->has_waiter(); }));

  int kept = 0;
  for (int i = 1; i <= 100; ++i) kept += recorder->submit(testing::make_record("o", i)) ? 1 : 0;
  EXPECT_EQ(kept, 100);
  RecorderStats s = recorder->stats();
  EXPECT_EQ(s.queue_depth, 16u);
  EXPECT_EQ(s.rows_spilled, 84u);
  EXPECT_EQ(s.rows_dropped, 0u);
  EXPECT_EQ(testing::count_lines(Recorder::default_spill_path(db_)), 84u);

  gate->open();
  ASSERT_TRUE(testing::eventually([&] {
    const RecorderStats now = recorder->stats();
    return now.rows_written + now.rows_replayed == 101 && journal_gone();
  }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  s = recorder->stats();
  EXPECT_EQ(s.rows_replayed, 84u);
  EXPECT_EQ(s.rows_skipped_duplicate, 0u);
  auto rows = testing::read_all(db_);
  ASSERT_EQ(rows.size(), 101u);
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  for (int i = 0; i <= 100; ++i) EXPECT_EQ(rows[i], testing::make_record("o", i));
}

TEST_F(RecorderTest, FlushAndStopAlsoReplaysWhatOverflowedToTheJournal) {
  auto gate = std::make_shared<testing::Gate>();
  RecorderOptions o = options();
  o.connect = stalling_factory(gate);
  o.queue_capacity = 8;
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(recorder->submit(testing::make_record("r", 0)));
  ASSERT_TRUE(testing::eventually([&] { return gate->has_waiter(); }));
  for (int i = 1; i <= 50; ++i) ASSERT_TRUE(recorder->submit(testing::make_record("r", i)));
  ASSERT_EQ(recorder->stats().rows_spilled, 42u);

  gate->open();
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(testing::read_all(db_).size(), 51u);
  EXPECT_EQ(recorder->stats().rows_replayed, 42u);
  EXPECT_TRUE(journal_gone());
}

TEST_F(RecorderTest, FlushAndStopWritesEverythingQueued) {
  RecorderOptions o = options();
  o.max_batch_delay = milliseconds(600000);  // Only the stop can end the wait for a batch.
  o.max_batch_rows = 100000;
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(recorder->submit(testing::make_record("f", i)));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(testing::read_all(db_).size(), 1000u);
  EXPECT_EQ(recorder->stats().batches, 1u);
  EXPECT_TRUE(journal_gone());

  EXPECT_FALSE(recorder->submit(testing::make_record("late", 1)));
  EXPECT_EQ(recorder->stats().rows_dropped, 1u);
  EXPECT_THAT(recorder->flush_and_stop(milliseconds(1)), IsOk());
}

// Record 3 is refused by the database; record 6 reuses record 1's request_id (an upstream that
// repeats ids), which is a new request and is kept under a suffixed id.
TEST_F(RecorderTest, IsolatesAnInvalidRecordAndWritesItsBatchMates) {
  RecorderOptions o = options();
  o.max_batch_rows = 10;
  o.max_batch_delay = milliseconds(600000);  // The ten records form one batch.
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  for (int i = 0; i < 10; ++i) {
    dao::CompletionRequest r = testing::make_record("i", i);
    if (i == 3) r.completion_tokens = -5;
    if (i == 6) r.request_id = "i-1";
    ASSERT_TRUE(recorder->submit(std::move(r)));
  }
  ASSERT_TRUE(testing::eventually([&] {
    const RecorderStats s = recorder->stats();
    return s.rows_written + s.rows_dropped_invalid + s.rows_skipped_duplicate == 10;
  }));
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_written, 9u);
  EXPECT_EQ(s.rows_dropped_invalid, 1u);
  EXPECT_EQ(s.rows_skipped_duplicate, 0u);
  EXPECT_EQ(s.rows_dropped, 0u);
  EXPECT_EQ(s.write_errors, 0u);
  EXPECT_TRUE(s.database_available);
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const auto rows = testing::read_all(db_);
  ASSERT_EQ(rows.size(), 9u);
  int renamed = 0;
  for (const auto& r : rows) {
    EXPECT_NE(r.request_id, "i-3");
    if (r.request_id.rfind("i-1~", 0) == 0) ++renamed;
  }
  EXPECT_EQ(renamed, 1);
}

TEST_F(RecorderTest, RefusesIncompleteOptions) {
  RecorderOptions o = options();
  o.connect = nullptr;
  EXPECT_THAT(Recorder::start(o), ErrorIs(ErrorCode::invalid_input, HasSubstr("factory")));
  o = options();
  o.spill_path.clear();
  EXPECT_THAT(Recorder::start(o), ErrorIs(ErrorCode::invalid_input, HasSubstr("journal")));
  o = options();
  o.queue_capacity = 0;
  EXPECT_THAT(Recorder::start(o), ErrorIs(ErrorCode::invalid_input, HasSubstr("queue_capacity")));
  o = options();
  o.retry_backoff_max = milliseconds(0);
  EXPECT_THAT(Recorder::start(o), ErrorIs(ErrorCode::invalid_input, HasSubstr("backoff")));
}

}  // namespace
}  // namespace safemig::proxy
