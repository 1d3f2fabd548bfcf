// The aggregates the reader computes over a time range: what /api/v1/metrics, /metrics and the
// dashboard show.
//
// Counts, sums and maxima are exact. Percentiles are estimated from the fixed latency histogram
// (latency_buckets.h): the estimate lies in the bucket that holds the exact value, and never
// exceeds the largest value observed.
//
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "safemig/dao/latency_buckets.h"
#include "safemig/dao/rollup_layout.h"
#include "safemig/dao/time.h"

namespace safemig::dao {

// One latency measure (response time, TTFT or TTLT) over a set of requests.
struct LatencySummary {
  std::int64_t count = 0;  // Requests that carry the measure.
  std::int64_t sum_ms = 0;
  std::optional<double> avg_ms;  // sum_ms / count; absent when count is 0.
  std::optional<double> p50_ms;
  std::optional<double> p95_ms;
  std::optional<double> p99_ms;
  std::optional<std::int64_t> max_ms;  // The largest value; absent when count is 0.
  LatencyHistogram buckets{};          // Counts per bucket of kLatencyBucketBoundsMs.
};

// Totals over a set of requests.
struct UsageTotals {
  std::int64_t requests = 0;
  std::int64_t successes = 0;
  std::int64_t errors = 0;
  double error_rate = 0.0;  // errors / requests; 0 when there are no requests.
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  LatencySummary response_time;
  LatencySummary time_to_first_token;
  LatencySummary time_to_last_token;
};

struct ModelUsage {
  std::string model;
  UsageTotals totals;
};

// Totals of the requests to one OpenAI API (CompletionRequest::endpoint).
struct EndpointUsage {
  std::string endpoint;
  UsageTotals totals;
};

// Requests counted per label value (error_type, finish_reason, status_code), model, endpoint and
// streaming flag.
struct LabelCount {
  std::string label;
  std::string value;
  std::string model;
  bool is_streaming = false;
  std::int64_t requests = 0;
  std::string endpoint;
};

// Requests per model, endpoint and streaming flag.
struct RequestCount {
  std::string model;
  std::string endpoint;
  bool is_streaming = false;
  std::int64_t requests = 0;
};

struct Metrics {
  TimeRange range;
  std::optional<std::string> model;  // The filter, when one was given.
  UsageTotals overall;
  UsageTotals streaming;
  UsageTotals non_streaming;
  std::map<std::string, std::int64_t> error_types;  // error_type -> requests.
  std::vector<ModelUsage> models;                   // Ordered by requests, most first.
  std::vector<EndpointUsage> endpoints;             // Ordered by requests, most first.
  // Ordered by label, value, model, endpoint, streaming.
  std::vector<LabelCount> labels;
  std::vector<RequestCount> request_counts;  // Ordered by model, endpoint, streaming.
};

// One bucket of a time series.
struct TimeseriesBucket {
  TimePoint start;  // Clipped to the range: the first bucket may start later than its slot.
  TimePoint end;    // Clipped to the range.
  std::int64_t requests = 0;
  std::int64_t errors = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  std::optional<double> avg_response_time_ms;
  std::optional<double> avg_time_to_first_token_ms;
};

// Converts summed rollup values into totals (averages, error rate, percentiles, maxima). Each
// percentile estimate is capped at the maximum of its measure.
UsageTotals totals_from(const RollupValues& values);

}  // namespace safemig::dao
