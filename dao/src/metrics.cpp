// Conversion of summed rollup values into the reported totals (see metrics.h).
//
// Thread safety: pure functions.
#include "safemig/dao/metrics.h"

#include <algorithm>

namespace safemig::dao {
namespace {

LatencySummary summary_from(const RollupValues& values, std::size_t sum, std::int64_t count,
                            std::size_t first_bucket) {
  LatencySummary s;
  s.count = count;
  s.sum_ms = values[sum];
  std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(first_bucket), kLatencyBucketCount,
              s.buckets.begin());
  if (count > 0) {
    s.avg_ms = static_cast<double>(s.sum_ms) / static_cast<double>(count);
    s.p50_ms = estimate_quantile(s.buckets, 0.50);
    s.p95_ms = estimate_quantile(s.buckets, 0.95);
    s.p99_ms = estimate_quantile(s.buckets, 0.99);
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
  t.response_time =
      summary_from(values, kResponseTimeSumMs, values[kRequests], kResponseTimeBucket0);
  t.time_to_first_token = summary_from(values, kTtftSumMs, values[kTtftCount], kTtftBucket0);
  t.time_to_last_token = summary_from(values, kTtltSumMs, values[kTtltCount], kTtltBucket0);
  return t;
}

}  // namespace safemig::dao
