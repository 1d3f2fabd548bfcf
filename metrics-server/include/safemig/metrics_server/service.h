// MetricsService: the metrics server's routes — the JSON API, /metrics, /healthz and the
// dashboard — as pure handlers on an http::Router.
//
//   GET /                     dashboard (index.html); GET /<file> for the other web/ files
//   GET /api/v1/requests      GET /api/v1/metrics      GET /api/v1/timeseries
//   GET /metrics              GET /healthz
// Other methods on these paths get 405 (from the router); unknown paths 404.
//
// Thread safety: build the router once; its handlers may then run concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <stop_token>

#include "safemig/http/router.h"
#include "safemig/metrics_server/api.h"
#include "safemig/metrics_server/exposition.h"
#include "safemig/metrics_server/read_only_database.h"
#include "safemig/metrics_server/token_usage.h"

namespace safemig::metrics_server {

struct ServiceConfig {
  std::size_t top_models = kDefaultTopModels;
  Clock now = system_now;
};

class MetricsService {
 public:
  // `database` must outlive the service; the service must outlive the router it builds.
  MetricsService(ReadOnlyDatabase& database, ServiceConfig config);

  // Every route of the server. A handler that throws (a bug) answers 500 instead.
  std::shared_ptr<http::Router> router();

  // GET /metrics.
  http::Response prometheus(const http::Request& request);

  // Folds the token usage of the rows already stored (TokenUsageTracker::catch_up) on the
  // calling thread, one page per short read transaction, so that the first /metrics after a
  // start does not read the whole table while the server's I/O thread waits. Returns early
  // when `stop` is requested. A failure is logged; the scrapes then fold those rows themselves.
  void warm_up(std::stop_token stop);

 private:
  ReadOnlyDatabase* database_;
  ServiceConfig config_;
  Api api_;
  TokenUsageTracker tokens_;
};

}  // namespace safemig::metrics_server
