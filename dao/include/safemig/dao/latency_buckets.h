// The fixed, log-spaced latency histogram shared by the v4 rollup tables, the writer that keeps
// them current, the reader that estimates percentiles from them and the Prometheus exposition.
//
// Bucket i (0 <= i < kLatencyBucketBoundsMs.size()) counts values v with
// bounds[i-1] < v <= bounds[i] (bucket 0: v <= bounds[0]); the last bucket counts every value
// above the largest bound. The `le` semantics match Prometheus histograms.
//
// Changing the bounds changes the v4 migration: they are part of the stored schema.
//
// Thread safety: constants and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace safemig::dao {

inline constexpr std::array<std::int64_t, 16> kLatencyBucketBoundsMs = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};
inline constexpr std::size_t kLatencyBucketCount = kLatencyBucketBoundsMs.size() + 1;

using LatencyHistogram = std::array<std::int64_t, kLatencyBucketCount>;

// The bucket holding `ms`.
std::size_t latency_bucket_index(double ms);

// The bucket's value range (lower exclusive, upper inclusive). The overflow bucket's nominal
// upper end is twice the largest bound; bucket 0's lower end is 0 (values are never negative).
double latency_bucket_lower(std::size_t index);
double latency_bucket_upper(std::size_t index);

// Estimates the `quantile` (0 < quantile <= 1) of the values counted in `histogram` as
// Prometheus' histogram_quantile does: with rank = quantile * n, the bucket where the cumulative
// count first reaches the rank is the bucket of the nearest-rank value (found exactly), and the
// estimate moves linearly from the bucket's lower to its upper end as the rank moves through the
// bucket's count: lower + (upper - lower) * (rank - count below) / count in bucket. One value
// in (5000, 10000] thus gives p50 = 7500 and p99 = 9950; only quantile 1 reaches the upper end.
// The estimate always lies in the bucket of the nearest-rank value. Values are assumed spread
// evenly inside a bucket, so the estimate can exceed the largest value counted; a caller that
// knows that maximum caps the estimate at it. Returns nullopt when the histogram is empty.
std::optional<double> estimate_quantile(const LatencyHistogram& histogram, double quantile);

// Column name of bucket `index` for a histogram with column prefix `prefix` ("rt" -> "rt_b00").
std::string latency_bucket_column(std::string_view prefix, std::size_t index);

}  // namespace safemig::dao
