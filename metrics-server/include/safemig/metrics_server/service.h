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

#include <atomic>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <thread>

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

  // Folds the token usage of the rows already stored (TokenUsageTracker::catch_up) on a thread
  // of its own, one page per short read transaction, so that no request reads the whole table
  // while the server's only I/O thread waits; the returned thread ends when the rows run out or
  // when it is asked to stop. Until then /metrics leaves out gen_ai_client_token_usage instead
  // of showing partial totals: the family comes back with the totals of every stored row, which
  // continue those a previous run of the server showed, so Prometheus sees no reset. A failure
  // is logged, and the scrapes then fold the rows themselves. Call at most once.
  std::jthread start_warm_up();
  // True from start_warm_up() until its fold has ended.
  bool warming_up() const { return warming_up_.load(); }

 private:
  void warm_up(std::stop_token stop);

  ReadOnlyDatabase* database_;
  ServiceConfig config_;
  Api api_;
  TokenUsageTracker tokens_;
  std::atomic<bool> warming_up_{false};  // Set from start_warm_up() until its fold ends.
};

}  // namespace safemig::metrics_server
