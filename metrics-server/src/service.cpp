// MetricsService: the metrics server's routes (see service.h).
//
// Thread safety: handlers share only the database pool and the token tracker, both synchronised.
#include "safemig/metrics_server/service.h"

#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "safemig/app/history.h"
#include "safemig/http/prometheus.h"
#include "safemig/metrics_server/assets.h"
#include "safemig/metrics_server/health.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;

// Wraps `handler` so that an exception (a bug, or memory exhaustion) answers 500 instead of
// crossing into the server.
http::Handler guarded(std::function<http::Response(const http::Request&)> handler) {
  return [handler = std::move(handler)](const http::Request& request,
                                        const http::RequestContext&) -> http::Response {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} failed: {}", std::string(request.target()), e.what());
      return http::json_error(request, bhttp::status::internal_server_error, "internal_error",
                              "the server failed to answer this request; see its log");
    }
  };
}

}  // namespace

MetricsService::MetricsService(ReadOnlyDatabase& database, ServiceConfig config)
    : database_(&database), config_(std::move(config)), api_(database, config_.now) {}

http::Response MetricsService::prometheus(const http::Request& request) {
  auto lease = database_->acquire_at_version(app::kLatestVersion);
  if (!lease) return error_response(request, lease.error());
  TokenUsageTracker* tokens = warming_up() ? nullptr : &tokens_;
  auto data = collect_exposition(lease->connection(), tokens, config_.now(), config_.top_models);
  if (!data) {
    lease->discard();
    return error_response(request, data.error());
  }
  return http::text_response(request, bhttp::status::ok, http::PrometheusText::kContentType,
                             render_exposition(*data));
}

std::jthread MetricsService::start_warm_up() {
  // Set before the thread starts, so that no scrape can fold the rows in the meantime.
  warming_up_.store(true);
  return std::jthread([this](std::stop_token stop) {
    warm_up(std::move(stop));
    warming_up_.store(false);
  });
}

void MetricsService::warm_up(std::stop_token stop) {
  const auto started = std::chrono::steady_clock::now();
  auto lease = database_->acquire();
  if (!lease) {
    spdlog::warn("token usage: cannot read the database yet ({}); the first /metrics folds it",
                 lease.error().describe());
    return;
  }
  const auto rows = tokens_.catch_up(lease->connection(), std::move(stop));
  if (!rows) {
    lease->discard();
    spdlog::warn("token usage: folding the stored rows failed ({}); the next /metrics retries",
                 rows.error().describe());
    return;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  spdlog::info("token usage: folded {} stored rows in {:.2f} s", *rows, took.count());
}

std::shared_ptr<http::Router> MetricsService::router() {
  auto router = std::make_shared<http::Router>();
  const auto get = [&router](std::string path,
                             std::function<http::Response(const http::Request&)> h) {
    router->add(bhttp::verb::get, std::move(path), guarded(std::move(h)));
  };
  get("/api/v1/requests", [this](const http::Request& r) { return api_.requests(r); });
  get("/api/v1/metrics", [this](const http::Request& r) { return api_.metrics(r); });
  get("/api/v1/timeseries", [this](const http::Request& r) { return api_.timeseries(r); });
  get("/metrics", [this](const http::Request& r) { return prometheus(r); });
  get("/healthz", [this](const http::Request& r) {
    return healthz(r, *database_, !warming_up() && tokens_.complete());
  });
  for (const EmbeddedAsset& asset : embedded_assets()) {
    get("/" + std::string(asset.name),
        [asset](const http::Request& r) { return serve_asset(r, asset); });
    if (asset.name == "index.html") {
      get("/", [asset](const http::Request& r) { return serve_asset(r, asset); });
    }
  }
  return router;
}

}  // namespace safemig::metrics_server
