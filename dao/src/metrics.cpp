// Conversion of summed rollup values into the reported totals (see metrics.h).
//
// Thread safety: pure functions.
#include "safemig/dao/metrics.h"

#include <algorithm>

namespace safemig::dao {
namespace {

// An estimate from the histogram lies anywhere in its bucket; the observed maximum bounds it.
std::optional<double> capped(std::optional<double> estimate, std::int64_t max_ms) {
  if (!estimate) return estimate;
  return std::min(*estimate, static_cast<double>(max_ms));
}

LatencySummary summary_from(const RollupValues& values, std::size_t sum, std::int64_t count,
                            std::size_t max_field, std::size_t first_bucket) {
  LatencySummary s;
  s.count = count;
  s.sum_ms = values[sum];
  std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(first_bucket), kLatencyBucketCount,
              s.buckets.begin());
  if (count > 0) {
    s.avg_ms = static_cast<double>(s.sum_ms) / static_cast<double>(count);
    s.max_ms = values[max_field];
    s.p50_ms = capped(estimate_quantile(s.buckets, 0.50), *s.max_ms);
    s.p95_ms = capped(estimate_quantile(s.buckets, 0.95), *s.max_ms);
    s.p99_ms = capped(estimate_quantile(s.buckets, 0.99), *s.max_ms);
  }
  return s;
}

}  // namespace

UsageTotals totals_from(const RollupValues& values) {
  UsageTotals t;
  t.requests = values[kRequests];
  t.successes = values[kSuccesses];
  t.errors = values[kErrors];
  t.error_rate =
      t.requests > 0 ? static_cast<double>(t.errors) / static_cast<double>(t.requests) : 0.0;
  t.prompt_tokens = values[kPromptTokens];
  t.completion_tokens = values[kCompletionTokens];
  t.total_tokens = values[kTotalTokens];
  t.response_time = summary_from(values, kResponseTimeSumMs, values[kRequests], kResponseTimeMaxMs,
                                 kResponseTimeBucket0);
  t.time_to_first_token =
      summary_from(values, kTtftSumMs, values[kTtftCount], kTtftMaxMs, kTtftBucket0);
  t.time_to_last_token =
      summary_from(values, kTtltSumMs, values[kTtltCount], kTtltMaxMs, kTtltBucket0);
  return t;
}

}  // namespace safemig::dao
