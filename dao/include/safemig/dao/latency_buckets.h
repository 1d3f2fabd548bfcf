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

// Estimates the nearest-rank `quantile` (0 < quantile <= 1) of the values counted in
// `histogram`: the bucket holding the value of rank ceil(quantile * n) is found exactly, and the
// value is interpolated linearly inside it (so the estimate always lies in that bucket).
// Returns nullopt when the histogram is empty.
std::optional<double> estimate_quantile(const LatencyHistogram& histogram, double quantile);

// Column name of bucket `index` for a histogram with column prefix `prefix` ("rt" -> "rt_b00").
std::string latency_bucket_column(std::string_view prefix, std::size_t index);

}  // namespace safemig::dao
