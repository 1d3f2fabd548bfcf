// The JSON representation of the DAO's values in the metrics server's API (field names are
// documented in metrics-server/README.md and stable). Instants appear twice: as ISO-8601 UTC
// strings ("…Z") and as epoch milliseconds ("…_ms"); absent values are null.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "safemig/dao/completion_request.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/metrics.h"

namespace safemig::metrics_server {

// {"start": "...Z", "start_ms": n, "end": "...Z", "end_ms": n}
boost::json::object range_json(const dao::TimeRange& range);

boost::json::object request_json(const dao::CompletionRequest& record);

// {"count", "sum_ms", "avg_ms", "p50_ms", "p95_ms", "p99_ms",
//  "histogram": [{"le_ms": 1, "count": n}, ..., {"le_ms": null, "count": n}]}
boost::json::object latency_json(const dao::LatencySummary& latency);

// {"requests", "successes", "errors", "error_rate", "prompt_tokens", "completion_tokens",
//  "total_tokens", "response_time", "time_to_first_token", "time_to_last_token"}
boost::json::object totals_json(const dao::UsageTotals& totals);

// The body of /api/v1/requests.
boost::json::object requests_page_json(const dao::ListQuery& query, const dao::ListPage& page);

// The body of /api/v1/metrics.
boost::json::object metrics_json(const dao::Metrics& metrics);

// The body of /api/v1/timeseries.
boost::json::object timeseries_json(const dao::TimeRange& range,
                                    const std::optional<std::string>& model,
                                    std::chrono::milliseconds step,
                                    const std::vector<dao::TimeseriesBucket>& buckets);

}  // namespace safemig::metrics_server
