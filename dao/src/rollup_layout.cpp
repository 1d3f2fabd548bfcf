// The rollup tables' column layout and the in-memory aggregation of requests into rollup values
// (see rollup_layout.h).
//
// Thread safety: pure functions; rollup_value_columns() is initialised once, thread-safely.
#include "safemig/dao/rollup_layout.h"

#include <algorithm>

namespace safemig::dao {
namespace {

void add_latency(RollupValues& values, std::size_t first_bucket, std::size_t max_field,
                 std::int64_t ms) {
  values[first_bucket + latency_bucket_of_ms(ms)] += 1;
  values[max_field] = std::max(values[max_field], ms);
}

}  // namespace

std::size_t latency_bucket_of_ms(std::int64_t ms) {
  // Counting the bounds below `ms` over the fixed-size array compiles to compares and adds the
  // compiler can vectorise; a binary search mispredicts on every request.
  std::size_t below = 0;
  for (const std::int64_t bound : kLatencyBucketBoundsMs) below += bound < ms ? 1 : 0;
  return below;
}

const std::vector<std::string>& rollup_value_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> out(kRollupScalarColumns.begin(), kRollupScalarColumns.end());
    for (const std::string_view prefix : {kResponseTimePrefix, kTtftPrefix, kTtltPrefix}) {
      for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
        out.push_back(latency_bucket_column(prefix, i));
      }
    }
    return out;
  }();
  return columns;
}

void add_request(RollupValues& values, const RollupInput& input) {
  values[kRequests] += 1;
  values[input.success ? kSuccesses : kErrors] += 1;
  values[kPromptTokens] += input.prompt_tokens.value_or(0);
  values[kCompletionTokens] += input.completion_tokens.value_or(0);
  values[kTotalTokens] += input.total_tokens.value_or(0);
  values[kResponseTimeSumMs] += input.response_time_ms;
  add_latency(values, kResponseTimeBucket0, kResponseTimeMaxMs, input.response_time_ms);
  if (input.time_to_first_token_ms) {
    values[kTtftSumMs] += *input.time_to_first_token_ms;
    values[kTtftCount] += 1;
    add_latency(values, kTtftBucket0, kTtftMaxMs, *input.time_to_first_token_ms);
  }
  if (input.time_to_last_token_ms) {
    values[kTtltSumMs] += *input.time_to_last_token_ms;
    values[kTtltCount] += 1;
    add_latency(values, kTtltBucket0, kTtltMaxMs, *input.time_to_last_token_ms);
  }
}

void add_values(RollupValues& values, const RollupValues& other) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = is_max_field(i) ? std::max(values[i], other[i]) : values[i] + other[i];
  }
}

std::int64_t floor_to(std::int64_t epoch_ms, std::int64_t unit_ms) {
  std::int64_t q = epoch_ms / unit_ms;
  if (epoch_ms % unit_ms < 0) --q;
  return q * unit_ms;
}

}  // namespace safemig::dao
