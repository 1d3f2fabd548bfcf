// Tests of the fixed latency histogram and its quantile estimate.
#include "safemig/dao/latency_buckets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

namespace safemig::dao {
namespace {

TEST(LatencyBuckets, BoundsAreInclusiveUpperEnds) {
  EXPECT_EQ(latency_bucket_index(0), 0u);
  EXPECT_EQ(latency_bucket_index(1), 0u);
  EXPECT_EQ(latency_bucket_index(2), 1u);
  EXPECT_EQ(latency_bucket_index(3), 2u);
  EXPECT_EQ(latency_bucket_index(100000), kLatencyBucketCount - 2);
  EXPECT_EQ(latency_bucket_index(100001), kLatencyBucketCount - 1);
}

TEST(LatencyBuckets, ColumnNames) {
  EXPECT_EQ(latency_bucket_column("rt", 0), "rt_b00");
  EXPECT_EQ(latency_bucket_column("ttft", 16), "ttft_b16");
}

TEST(LatencyBuckets, EmptyHistogramHasNoQuantile) {
  EXPECT_FALSE(estimate_quantile(LatencyHistogram{}, 0.5).has_value());
}

// A histogram with `count` values in the bucket holding each of `values_ms`.
LatencyHistogram histogram_of(std::initializer_list<std::pair<double, std::int64_t>> values_ms) {
  LatencyHistogram h{};
  for (const auto& [ms, count] : values_ms) h[latency_bucket_index(ms)] += count;
  return h;
}

TEST(LatencyBuckets, OneValueIsInterpolatedByRankNotReportedAsItsBucketsUpperBound) {
  // One 8,005 ms request in (5000, 10000]: ranks 0.5, 0.95 and 0.99 of 1.
  const auto h = histogram_of({{8005, 1}});
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.50), 7500.0);
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.95), 9750.0);
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.99), 9950.0);
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 1.00), 10000.0);
}

TEST(LatencyBuckets, FractionalRankInterpolatesInsideTheBucketItFallsIn) {
  // 4 values in (10, 20], none in (20, 50], 6 in (50, 100]: rank 9.5 of 10 is 5.5 of the 6.
  const auto h = histogram_of({{15, 4}, {80, 6}});
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.95), 50.0 + 50.0 * 5.5 / 6.0);
  // Rank 5 is the first value of (50, 100]; rank 3 is 3 of the 4 in (10, 20].
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.50), 50.0 + 50.0 * 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.30), 10.0 + 10.0 * 3.0 / 4.0);
}

TEST(LatencyBuckets, RankAtTheEndOfABucketIsItsUpperBound) {
  const auto h = histogram_of({{2, 2}, {7, 2}});
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.50), 2.0);
  EXPECT_DOUBLE_EQ(*estimate_quantile(h, 0.75), 5.0 + 5.0 * 1.0 / 2.0);
}

TEST(LatencyBuckets, FirstBucketStartsAtZeroAndOverflowBucketEndsAtTwiceTheLargestBound) {
  EXPECT_DOUBLE_EQ(*estimate_quantile(histogram_of({{0.4, 2}}), 0.5), 0.5);
  EXPECT_DOUBLE_EQ(*estimate_quantile(histogram_of({{150000, 1}}), 0.5), 150000.0);
}

TEST(LatencyBuckets, EstimateLiesInTheBucketOfTheNearestRankValue) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::int64_t> values(1 + rng() % 300);
    for (auto& v : values) v = static_cast<std::int64_t>(rng() % 250000) >> (rng() % 14);
    LatencyHistogram h{};
    for (auto v : values) h[latency_bucket_index(static_cast<double>(v))] += 1;
    std::sort(values.begin(), values.end());
    for (double q : {0.01, 0.5, 0.95, 0.99, 1.0}) {
      const auto rank = std::max<std::size_t>(
          1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))));
      const std::int64_t exact = values[rank - 1];
      const auto estimate = estimate_quantile(h, q);
      ASSERT_TRUE(estimate.has_value());
      EXPECT_EQ(latency_bucket_index(*estimate), latency_bucket_index(static_cast<double>(exact)))
          << "q=" << q << " exact=" << exact << " estimate=" << *estimate;
    }
  }
}

}  // namespace
}  // namespace safemig::dao
