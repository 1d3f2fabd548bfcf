// Token usage histograms: bucket edges, and the tracker's totals equal to brute force while it
// reads each settled row once.
#include "safemig/metrics_server/token_usage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics_test_db.h"
#include "safemig/metrics_server/read_only_database.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

constexpr std::int64_t kT0 = 1795332600000;

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

TEST(TokenUsageTracker, TotalsEqualBruteForceAcrossScrapes) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("a.db");
  testing::create_database(path);
  testing::write_records(path, testing::sample_records(400, kT0, 3'600'000, 5));
  ReadOnlyDatabase database(path);
  TokenUsageTracker tracker(std::chrono::minutes(10));
  auto lease = database.acquire();
  ASSERT_TRUE(lease.has_value());
  const dao::CompletionRequestsReader reader(lease->connection());

  const auto expect_brute_force = [&](const TokenUsageByModel& usage) {
    for (const db::Row& row : testing::sql_rows(
             path,
             "SELECT model, count(prompt_tokens), sum(prompt_tokens), "
             "count(completion_tokens), sum(completion_tokens) FROM completion_requests "
             "GROUP BY model")) {
      ASSERT_TRUE(usage.contains(row.text(0)));
      const ModelTokenUsage& u = usage.find(row.text(0))->second;
      EXPECT_EQ(u.input.count(), static_cast<std::uint64_t>(row.int64(1)));
      EXPECT_EQ(u.input.sum, row.int64(2));
      EXPECT_EQ(u.output.count(), static_cast<std::uint64_t>(row.int64(3)));
      EXPECT_EQ(u.output.sum, row.int64(4));
    }
  };
  const auto first = tracker.collect(reader, dao::from_epoch_ms(kT0 + 3'600'000));
  ASSERT_TRUE(first.has_value()) << first.error().describe();
  expect_brute_force(*first);
  // Rows arriving within the settle window are still counted.
  testing::write_records(path, testing::sample_records(50, kT0 + 3'550'000, 50'000, 6));
  const auto second = tracker.collect(reader, dao::from_epoch_ms(kT0 + 3'600'000));
  ASSERT_TRUE(second.has_value());
  expect_brute_force(*second);
}

}  // namespace
}  // namespace safemig::metrics_server
