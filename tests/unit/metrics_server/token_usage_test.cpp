// Token usage histograms: bucket edges; the tracker's totals equal a brute-force fold of every
// row after any sequence of collects (each row counted once, late rows included), a failed
// collect keeps nothing, and a collect inside the caller's transaction sees its snapshot.
#include "safemig/metrics_server/token_usage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <thread>

#include "metrics_test_db.h"
#include "safemig/db/sqlite_connection.h"
#include "support/fault_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1795332600000;
constexpr std::int64_t kHourMs = 3'600'000;

TEST(TokenHistogram, BucketsAreUpperInclusive) {
  TokenHistogram h;
  h.add(0);            // <= 1
  h.add(1);            // <= 1
  h.add(2);            // <= 4
  h.add(4);            // <= 4
  h.add(5);            // <= 16
  h.add(100'000'000);  // above every bound
  EXPECT_EQ(h.counts[0], 2u);
  EXPECT_EQ(h.counts[1], 2u);
  EXPECT_EQ(h.counts[2], 1u);
  EXPECT_EQ(h.counts.back(), 1u);
  EXPECT_EQ(h.count(), 6u);
  EXPECT_EQ(h.sum, 100'000'012);
}

// A record with the given token counts (absent when std::nullopt).
dao::CompletionRequest usage_record(const std::string& request_id, const std::string& model,
                                    dao::TimePoint timestamp, std::optional<std::int64_t> prompt,
                                    std::optional<std::int64_t> completion) {
  dao::CompletionRequest r;
  r.timestamp = timestamp;
  r.request_id = request_id;
  r.success = true;
  r.status_code = 200;
  r.response_time_ms = 120;
  r.model = model;
  r.prompt_tokens = prompt;
  r.completion_tokens = completion;
  return r;
}

class TokenUsageTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::create_database(path_);
    testing::write_records(path_, testing::sample_records(400, kT0, kHourMs, 5));
  }

  std::unique_ptr<db::Connection> open_read_only() {
    db::SqliteOptions options;
    options.read_only = true;
    options.create = false;
    auto connection = db::open_sqlite(path_, options);
    EXPECT_THAT(connection, IsOk());
    return connection ? std::move(*connection) : nullptr;
  }

  // Every row of the database folded from scratch.
  TokenUsageByModel brute_force() {
    TokenUsageByModel out;
    for (const db::Row& row : testing::sql_rows(
             path_, "SELECT model, prompt_tokens, completion_tokens FROM completion_requests")) {
      const auto prompt = row.opt_int64(1);
      const auto completion = row.opt_int64(2);
      if (!prompt && !completion) continue;
      ModelTokenUsage& usage = out[row.text(0)];
      if (prompt) usage.input.add(*prompt);
      if (completion) usage.output.add(*completion);
    }
    return out;
  }

  ::safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("a.db");
};

TEST_F(TokenUsageTrackerTest, TotalsEqualBruteForceAcrossCollects) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  TokenUsageTracker tracker(7);  // Many pages per collect.
  const auto first = tracker.collect(*connection);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, brute_force());
  EXPECT_EQ(first->size(), 3u);

  // New rows spread over the whole hour, then a collect without new rows.
  testing::write_records(path_, testing::sample_records(50, kT0, kHourMs, 6));
  const auto second = tracker.collect(*connection);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*second, brute_force());
  EXPECT_NE(*second, *first);
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(*second));
}

TEST_F(TokenUsageTrackerTest, CountsARowCommittedLateOnTheNextCollect) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  TokenUsageTracker tracker;
  const auto before = tracker.collect(*connection);
  ASSERT_THAT(before, IsOk());
  ASSERT_TRUE(before->contains("model-0"));

  // Committed now with a timestamp two days in the past, as a journal replay writes it.
  const auto two_days_ago = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - std::chrono::hours(48));
  testing::write_records(path_, {usage_record("late-1", "model-0", two_days_ago, 7, 3)});
  const auto after = tracker.collect(*connection);
  ASSERT_THAT(after, IsOk());
  const ModelTokenUsage& was = before->at("model-0");
  const ModelTokenUsage& is = after->at("model-0");
  EXPECT_EQ(is.input.count(), was.input.count() + 1);
  EXPECT_EQ(is.input.sum, was.input.sum + 7);
  EXPECT_EQ(is.output.count(), was.output.count() + 1);
  EXPECT_EQ(is.output.sum, was.output.sum + 3);
  EXPECT_EQ(*after, brute_force());
}

// Stands for restoring an older backup: the rows after `keep_up_to_id` are gone.
void truncate_rows(const std::string& path, std::int64_t keep_up_to_id) {
  auto writer = db::open_sqlite(path, {});
  ASSERT_THAT(writer, IsOk());
  const std::vector<db::Value> params{db::Value(keep_up_to_id)};
  ASSERT_THAT((*writer)->execute_params("DELETE FROM completion_requests WHERE id > ?1", params),
              IsOk());
}

TEST_F(TokenUsageTrackerTest, StartsAgainWhenTheRowsFoldedAreGone) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  TokenUsageTracker tracker(50);
  ASSERT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));

  truncate_rows(path_, 100);
  const auto after_restore = tracker.collect(*connection);
  ASSERT_THAT(after_restore, IsOk());
  EXPECT_EQ(*after_restore, brute_force());
  std::uint64_t requests = 0;
  for (const auto& [model, usage] : *after_restore) requests += usage.input.count();
  EXPECT_LE(requests, 100u);

  // New rows after the restore reuse ids past 100: each is counted once.
  testing::write_records(path_, testing::sample_records(30, kT0, kHourMs, 8));
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));
}

TEST_F(TokenUsageTrackerTest, StartsAgainWhenAnotherRowHoldsTheLastIdFolded) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  TokenUsageTracker tracker;
  ASSERT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));

  // Restored to 100 rows, then more rows written than were lost, before the next scrape: the
  // ids the tracker folded now hold other requests.
  truncate_rows(path_, 100);
  std::vector<dao::CompletionRequest> replacement;
  for (int i = 0; i < 500; ++i) {
    replacement.push_back(usage_record("after-restore-" + std::to_string(i), "restored-model",
                                       dao::from_epoch_ms(kT0 + i), 11, 22));
  }
  testing::write_records(path_, replacement);
  const auto totals = tracker.collect(*connection);
  ASSERT_THAT(totals, IsOk());
  EXPECT_EQ(*totals, brute_force());
  EXPECT_EQ(totals->at("restored-model").input.count(), 500u);
}

TEST_F(TokenUsageTrackerTest, RowsWithoutUsageAreNotCounted) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  const dao::TimePoint t = dao::from_epoch_ms(kT0 + 2 * kHourMs);
  testing::write_records(path_, {usage_record("silent-1", "silent", t, std::nullopt, std::nullopt),
                                 usage_record("silent-2", "silent", t, std::nullopt, std::nullopt),
                                 usage_record("half-1", "half", t, 11, std::nullopt),
                                 usage_record("half-2", "half", t, 13, std::nullopt)});
  TokenUsageTracker tracker(3);
  const auto usage = tracker.collect(*connection);
  ASSERT_THAT(usage, IsOk());
  EXPECT_FALSE(usage->contains("silent"));
  ASSERT_TRUE(usage->contains("half"));
  EXPECT_EQ(usage->at("half").input.count(), 2u);
  EXPECT_EQ(usage->at("half").input.sum, 24);
  EXPECT_EQ(usage->at("half").output.count(), 0u);
  EXPECT_EQ(*usage, brute_force());
}

TEST_F(TokenUsageTrackerTest, AFailedCollectKeepsNothing) {
  auto inner = open_read_only();
  ASSERT_NE(inner, nullptr);
  ::safemig::testing::FaultConnection connection(std::move(inner));
  TokenUsageTracker tracker(10);
  ASSERT_THAT(tracker.collect(connection), IsOk());

  struct Fault {
    const char* fragment;
    int occurrence;
  };
  std::uint32_t seed = 100;
  for (const Fault fault :
       {Fault{"BEGIN", 1}, Fault{"WHERE id >", 1}, Fault{"WHERE id >", 3}, Fault{"COMMIT", 1}}) {
    SCOPED_TRACE(std::string(fault.fragment) + " #" + std::to_string(fault.occurrence));
    const auto before = tracker.collect(connection);
    ASSERT_THAT(before, IsOk());
    testing::write_records(path_, testing::sample_records(45, kT0, kHourMs, ++seed));
    connection.fail_on(fault.fragment, fault.occurrence, Error(ErrorCode::io, "injected"));
    EXPECT_THAT(tracker.collect(connection), ErrorIs(ErrorCode::io, HasSubstr("injected")));
    EXPECT_TRUE(connection.fired());
    EXPECT_FALSE(connection.inner().in_transaction());
    // The next collect reads the same rows again and counts each once.
    const auto after = tracker.collect(connection);
    ASSERT_THAT(after, IsOk());
    EXPECT_EQ(*after, brute_force());
    EXPECT_NE(*after, *before);
  }
}

TEST_F(TokenUsageTrackerTest, ReadsTheSnapshotOfTheCallersTransaction) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  ASSERT_THAT(connection->begin(db::TransactionMode::deferred), IsOk());
  ASSERT_THAT(connection->query_params("SELECT count(*) FROM completion_requests",
                                       std::vector<db::Value>{}),
              IsOk());  // The snapshot starts at the first read.
  const TokenUsageByModel in_snapshot = brute_force();
  testing::write_records(path_, testing::sample_records(30, kT0, kHourMs, 9));

  TokenUsageTracker tracker(4);
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(in_snapshot));
  EXPECT_TRUE(connection->in_transaction());
  ASSERT_THAT(connection->commit(), IsOk());
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));
}

TEST_F(TokenUsageTrackerTest, ConcurrentCollectsCountEachRowOnce) {
  TokenUsageTracker tracker(16);
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 3; ++t) {
    scrapers.emplace_back([&] {
      const auto connection = open_read_only();
      if (connection == nullptr) return;
      for (int i = 0; i < 20; ++i) EXPECT_THAT(tracker.collect(*connection), IsOk());
    });
  }
  for (std::uint32_t seed = 20; seed < 30; ++seed) {
    testing::write_records(path_, testing::sample_records(20, kT0, kHourMs, seed));
  }
  for (std::thread& s : scrapers) s.join();
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));
}

TEST_F(TokenUsageTrackerTest, CatchUpFoldsTheStoredRowsThatCollectThenSkips) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  TokenUsageTracker tracker(7);
  EXPECT_THAT(tracker.catch_up(*connection), IsOkAndHolds(400u));
  EXPECT_FALSE(connection->in_transaction());
  EXPECT_THAT(tracker.catch_up(*connection), IsOkAndHolds(0u));
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));

  testing::write_records(path_, testing::sample_records(50, kT0, kHourMs, 31));
  EXPECT_THAT(tracker.catch_up(*connection), IsOkAndHolds(50u));
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));
}

TEST_F(TokenUsageTrackerTest, CatchUpKeepsThePagesReadBeforeAFailure) {
  auto inner = open_read_only();
  ASSERT_NE(inner, nullptr);
  ::safemig::testing::FaultConnection connection(std::move(inner));
  TokenUsageTracker tracker(7);
  // Each page is a transaction of its own: the third BEGIN fails after two pages were kept.
  connection.fail_on("BEGIN", 3, Error(ErrorCode::io, "injected"));
  EXPECT_THAT(tracker.catch_up(connection), ErrorIs(ErrorCode::io, HasSubstr("injected")));
  EXPECT_FALSE(connection.inner().in_transaction());
  EXPECT_THAT(tracker.catch_up(connection), IsOkAndHolds(400u - 2 * 7));
  EXPECT_THAT(tracker.collect(connection), IsOkAndHolds(brute_force()));
}

TEST_F(TokenUsageTrackerTest, CatchUpStopsWhenAsked) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  TokenUsageTracker tracker(7);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_THAT(tracker.catch_up(*connection, stop.get_token()), IsOkAndHolds(0u));
  EXPECT_THAT(tracker.collect(*connection), IsOkAndHolds(brute_force()));
}

TEST_F(TokenUsageTrackerTest, CatchUpRefusesAConnectionInATransaction) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  ASSERT_THAT(connection->begin(db::TransactionMode::deferred), IsOk());
  TokenUsageTracker tracker;
  EXPECT_THAT(tracker.catch_up(*connection),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("outside a transaction")));
  EXPECT_TRUE(connection->in_transaction());
  ASSERT_THAT(connection->rollback(), IsOk());
}

TEST_F(TokenUsageTrackerTest, PageSizeOutsideTheReadersLimitIsInvalidInput) {
  const auto connection = open_read_only();
  ASSERT_NE(connection, nullptr);
  for (const std::size_t page : {std::size_t{0}, dao::kMaxTokenCountsLimit + 1}) {
    TokenUsageTracker tracker(page);
    EXPECT_THAT(tracker.collect(*connection),
                ErrorIs(ErrorCode::invalid_input, HasSubstr("invalid limit")));
    EXPECT_FALSE(connection->in_transaction());
  }
}

}  // namespace
}  // namespace safemig::metrics_server
