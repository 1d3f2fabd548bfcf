// The fixed latency histogram: bucket lookup and quantile estimation (see latency_buckets.h).
//
// Thread safety: pure functions.
#include "safemig/dao/latency_buckets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace safemig::dao {

std::size_t latency_bucket_index(double ms) {
  const auto* it =
      std::lower_bound(kLatencyBucketBoundsMs.begin(), kLatencyBucketBoundsMs.end(), ms,
                       [](std::int64_t bound, double v) { return static_cast<double>(bound) < v; });
  return static_cast<std::size_t>(it - kLatencyBucketBoundsMs.begin());
}

double latency_bucket_lower(std::size_t index) {
  if (index == 0) return 0.0;
  return static_cast<double>(kLatencyBucketBoundsMs[index - 1]);
}

double latency_bucket_upper(std::size_t index) {
  if (index < kLatencyBucketBoundsMs.size()) {
    return static_cast<double>(kLatencyBucketBoundsMs[index]);
  }
  return 2.0 * static_cast<double>(kLatencyBucketBoundsMs.back());
}

std::optional<double> estimate_quantile(const LatencyHistogram& histogram, double quantile) {
  std::int64_t total = 0;
  for (const std::int64_t c : histogram) total += c;
  if (total <= 0) return std::nullopt;
  const double rank = std::clamp(quantile, 0.0, 1.0) * static_cast<double>(total);
  std::int64_t below = 0;
  for (std::size_t i = 0; i < histogram.size(); ++i) {
    // Empty buckets are skipped so that a rank of 0 lands in the first bucket holding a value.
    if (histogram[i] > 0 && static_cast<double>(below + histogram[i]) >= rank) {
      const double lower = latency_bucket_lower(i);
      const double upper = latency_bucket_upper(i);
      const double fraction =
          (rank - static_cast<double>(below)) / static_cast<double>(histogram[i]);
      return lower + (upper - lower) * fraction;
    }
    below += histogram[i];
  }
  return latency_bucket_upper(histogram.size() - 1);
}

std::string latency_bucket_column(std::string_view prefix, std::size_t index) {
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "_b%02zu", index);
  return std::string(prefix) + suffix;
}

}  // namespace safemig::dao
