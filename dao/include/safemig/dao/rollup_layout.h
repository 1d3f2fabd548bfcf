// The layout of the rollup tables (as schema step v5 made them), shared by the writer that keeps
// them current and the reader that sums them.
//
// Three granularities hold the same columns: per minute (`completion_rollups_minute`, key
// minute_ms), per hour (`completion_rollups_hour`, key hour_ms) and per UTC day
// (`completion_rollups_day`, key day_ms), each keyed further by (model, is_streaming). Label
// tables count requests per (label, value) at the same keys: the error_type, finish_reason and
// status_code of each request. A key column holds the start of its minute / hour / day in epoch
// milliseconds, and every table's primary key starts with it, so a time range is one range scan.
// The other key columns are (model, endpoint, is_streaming).
//
// Every value column is a count or a sum, combined by addition, except the maxima
// (kResponseTimeMaxMs, kTtftMaxMs, kTtltMaxMs: the largest value of the measure, 0 when no
// request carried it), combined by MAX wherever rows are merged (the writer's upsert, the fold of
// minutes into hours and days, the reader's sums).
//
// Thread safety: constants, value types and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/dao/latency_buckets.h"

namespace safemig::dao {

inline constexpr std::string_view kMinuteRollupTable = "completion_rollups_minute";
inline constexpr std::string_view kHourRollupTable = "completion_rollups_hour";
inline constexpr std::string_view kMinuteLabelTable = "completion_label_rollups_minute";
inline constexpr std::string_view kHourLabelTable = "completion_label_rollups_hour";
inline constexpr std::string_view kDayRollupTable = "completion_rollups_day";
inline constexpr std::string_view kDayLabelTable = "completion_label_rollups_day";
inline constexpr std::string_view kMinuteKey = "minute_ms";
inline constexpr std::string_view kHourKey = "hour_ms";
inline constexpr std::string_view kDayKey = "day_ms";
inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 86'400'000;

// Labels counted in the label tables.
inline constexpr std::string_view kLabelErrorType = "error_type";
inline constexpr std::string_view kLabelFinishReason = "finish_reason";
inline constexpr std::string_view kLabelStatusCode = "status_code";

// Positions of the value columns of a rollup row (after the key columns).
enum RollupField : std::size_t {
  kRequests,
  kSuccesses,
  kErrors,
  kPromptTokens,
  kCompletionTokens,
  kTotalTokens,
  kResponseTimeSumMs,
  kTtftSumMs,
  kTtftCount,
  kTtltSumMs,
  kTtltCount,
  kResponseTimeMaxMs,
  kTtftMaxMs,
  kTtltMaxMs,
  kResponseTimeBucket0,
  kTtftBucket0 = kResponseTimeBucket0 + kLatencyBucketCount,
  kTtltBucket0 = kTtftBucket0 + kLatencyBucketCount,
  kRollupValueCount = kTtltBucket0 + kLatencyBucketCount,
};

// The scalar value columns in RollupField order (histogram columns follow).
inline constexpr std::array<std::string_view, kResponseTimeBucket0> kRollupScalarColumns = {
    "requests",
    "successes",
    "errors",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "response_time_sum_ms",
    "ttft_sum_ms",
    "ttft_count",
    "ttlt_sum_ms",
    "ttlt_count",
    "response_time_max_ms",
    "ttft_max_ms",
    "ttlt_max_ms"};
// Column prefixes of the response time, TTFT and TTLT histograms.
inline constexpr std::string_view kResponseTimePrefix = "rt";
inline constexpr std::string_view kTtftPrefix = "ttft";
inline constexpr std::string_view kTtltPrefix = "ttlt";

// All value column names in RollupField order.
const std::vector<std::string>& rollup_value_columns();

// The values of one rollup row (or of any sum of them).
using RollupValues = std::array<std::int64_t, kRollupValueCount>;

// The facts of one request that a rollup counts.
struct RollupInput {
  bool success = false;
  std::int64_t response_time_ms = 0;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::int64_t> total_tokens;
  std::optional<std::int64_t> time_to_first_token_ms;
  std::optional<std::int64_t> time_to_last_token_ms;
};

// Adds one request to `values`.
void add_request(RollupValues& values, const RollupInput& input);
// True for the value columns combined by MAX rather than by addition.
constexpr bool is_max_field(std::size_t field) {
  return field == kResponseTimeMaxMs || field == kTtftMaxMs || field == kTtltMaxMs;
}
// Merges `other` into `values` column by column: sums added, maxima by MAX.
void add_values(RollupValues& values, const RollupValues& other);

// The histogram bucket of a latency in whole milliseconds: the number of bounds below `ms`.
// Equals latency_bucket_index(double(ms)) for every value, without branches.
std::size_t latency_bucket_of_ms(std::int64_t ms);

// Start of the minute / hour / day holding `epoch_ms` (floor, also for negative values).
std::int64_t floor_to(std::int64_t epoch_ms, std::int64_t unit_ms);

}  // namespace safemig::dao
