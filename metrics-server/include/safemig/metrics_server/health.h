// GET /healthz of the metrics server: whether the database can be read, its schema version,
// whether that is the version this build expects (app::kLatestVersion), and whether /metrics
// has folded the token usage of every stored row yet (false while they are folded at start,
// and after a fold that failed until one succeeds; see MetricsService::start_warm_up).
//
//   200 {"status": "ok" | "schema_mismatch", "schema_version": 4,
//        "expected_schema_version": 4, "schema_up_to_date": true, "token_usage_ready": true,
//        "database": "/path"}
//   503 {"status": "unavailable", "error": "...", "expected_schema_version": 4, "database": ...}
//
// Thread safety: may run concurrently; uses its own leased connection.
#pragma once

#include "safemig/http/message.h"
#include "safemig/metrics_server/read_only_database.h"

namespace safemig::metrics_server {

http::Response healthz(const http::Request& request, ReadOnlyDatabase& database,
                       bool token_usage_ready);

}  // namespace safemig::metrics_server
