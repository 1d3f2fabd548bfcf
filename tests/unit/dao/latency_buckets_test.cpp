// Tests of the fixed latency histogram and its quantile estimate.
#include "safemig/dao/latency_buckets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
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
