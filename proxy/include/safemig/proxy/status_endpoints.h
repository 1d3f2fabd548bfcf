// The proxy's own endpoints: the body of `GET /healthz` and the text of `GET /metrics`, as
// pure functions of the live state (no I/O).
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <string>

#include "safemig/proxy/proxy_metrics.h"
#include "safemig/proxy/recorder_stats.h"

namespace safemig::proxy {

// A recorder write running this long is waiting for a lock another connection holds (a batch
// commits in milliseconds); /healthz reports it before the busy timeout ends the wait.
inline constexpr std::chrono::milliseconds kStalledWrite{1000};

// {"status": "ok" | "degraded", "schema_version": N, "expected_schema_version": N,
//  "recorder": {"database_available", "write_in_progress_ms", "queue_depth", "queue_capacity",
//               "rows_written", "rows_spilled", "rows_dropped", "write_errors"}}.
// "degraded" when the recorder cannot reach the database (rows go to the spill journal), its
// write under way has run for kStalledWrite or longer, or it has dropped rows; the proxy keeps
// forwarding either way. `schema_version` < 0 means unknown (`--migrate off`).
boost::json::value health_body(std::int64_t schema_version, std::int64_t expected_schema_version,
                               const RecorderStats& recorder);

// The Prometheus text exposition of the proxy's state (llm_proxy_* families).
std::string render_metrics(const ProxyMetricsSnapshot& proxy, const RecorderStats& recorder);

}  // namespace safemig::proxy
