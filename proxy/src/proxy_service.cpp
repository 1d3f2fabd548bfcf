// The running proxy (see proxy_service.h).
//
// Order of destruction matters: the io_context is destroyed before the forwarder, the pool and
// the metrics, so that coroutine frames of requests still running at the end (past the
// shutdown timeout and the grace after Forwarder::abort_all) are destroyed while what they
// reference is alive — their records are then submitted as proxy_shutdown. The pool's parked
// connections are closed before that.
//
// Thread safety: one thread runs the io_context.
#include "safemig/proxy/proxy_service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "safemig/app/history.h"
#include "safemig/http/prometheus.h"
#include "safemig/http/server.h"
#include "safemig/proxy/forwarder.h"
#include "safemig/proxy/status_endpoints.h"
#include "safemig/proxy/upstream_pool.h"

namespace safemig::proxy {

namespace asio = boost::asio;
namespace bhttp = http::bhttp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kDrainPoll{10};
// How long requests ended at the shutdown timeout get to write their answers and records.
constexpr std::chrono::milliseconds kAbortGrace{1000};

std::shared_ptr<http::Router> make_router(Forwarder& forwarder, ProxyMetrics& metrics,
                                          Recorder& recorder,
                                          std::optional<std::int64_t> schema_version) {
  auto router = std::make_shared<http::Router>();
  router->add(
      bhttp::verb::get, "/healthz",
      [&recorder, schema_version](const http::Request& request, const http::RequestContext&) {
        return http::json_response(
            request, bhttp::status::ok,
            health_body(schema_version.value_or(-1), app::kLatestVersion, recorder.stats()));
      });
  router->add(bhttp::verb::get, "/metrics",
              [&recorder, &metrics](const http::Request& request, const http::RequestContext&) {
                return http::text_response(request, bhttp::status::ok,
                                           http::PrometheusText::kContentType,
                                           render_metrics(metrics.snapshot(), recorder.stats()));
              });
  router->add_prefix("/v1/", [&forwarder](http::Request request, http::RequestContext context,
                                          http::ResponseChannel& channel) {
    return forwarder.handle(std::move(request), std::move(context), channel);
  });
  return router;
}

// Waits until no request is in flight or `deadline` has passed; returns whether none is.
asio::awaitable<bool> wait_for_idle(asio::steady_timer& timer, const http::Server& server,
                                    std::chrono::steady_clock::time_point deadline) {
  while (server.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(kDrainPoll);
    co_await timer.async_wait(kUseTuple);
  }
  co_return server.in_flight() == 0;
}

// Waits until no request is in flight or `timeout` has passed. Requests still running then are
// ended through their failure paths (Forwarder::abort_all: 503 answers, partial records), given
// kAbortGrace to do so, and the event loop stops.
asio::awaitable<void> drain(asio::io_context& io, http::Server& server, Forwarder& forwarder,
                            std::chrono::milliseconds timeout) {
  asio::steady_timer timer(io);
  const auto start = std::chrono::steady_clock::now();
  if (!co_await wait_for_idle(timer, server, start + timeout)) {
    const std::size_t aborted = forwarder.abort_all();
    spdlog::warn("shutdown: {} request(s) still running after {} ms; ending them", aborted,
                 timeout.count());
    co_await wait_for_idle(timer, server, std::chrono::steady_clock::now() + kAbortGrace);
  }
  io.stop();
}

// Serves on `io` until stopped. REQUIRES: the caller destroys `io` after this returns.
Result<void> serve(asio::io_context& io, const ProxyOptions& options,
                   std::shared_ptr<http::Router> router, UpstreamPool& pool, Forwarder& forwarder) {
  // The signals are caught before the readiness line is printed: whoever waits for that line
  // may send SIGTERM at once.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  http::ServerOptions server_options;
  server_options.single_threaded = true;  // run_service runs `io` on this thread alone.
  server_options.bodies_in_flight_limit = options.bodies_in_flight_limit;
  server_options.on_body_too_large = [&forwarder](const http::Request& head,
                                                  const http::RequestContext& context) {
    forwarder.refused(head, context, Failure::request_too_large);
  };
  server_options.on_bodies_over_budget = [&forwarder](const http::Request& head,
                                                      const http::RequestContext& context) {
    forwarder.refused(head, context, Failure::bodies_over_budget);
  };
  SAFEMIG_TRY(std::unique_ptr<http::Server> server,
              http::Server::listen(io, options.listen, std::move(router), server_options));
  std::printf("listening on %s\n",
              http::format_listen_address({options.listen.host, server->port()}).c_str());
  std::fflush(stdout);
  spdlog::info("metrics-proxy serving on port {}, forwarding /v1/* to {}", server->port(),
               options.upstream.url);

  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        if (stopping) {
          spdlog::warn("second signal {}: stopping now", signal_number);
          io.stop();
          return;
        }
        stopping = true;
        spdlog::info("signal {}: no longer accepting; finishing {} in-flight request(s)",
                     signal_number, server->in_flight());
        server->stop();
        asio::co_spawn(io, drain(io, *server, forwarder, options.shutdown_timeout), asio::detached);
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  io.run();
  server.reset();
  pool.close_all();
  return {};
}

}  // namespace

Result<void> run_service(const ProxyOptions& options, Recorder& recorder,
                         std::optional<std::int64_t> schema_version) {
  try {
    ProxyMetrics metrics;
    PoolOptions pool_options;
    pool_options.connect_timeout = options.connect_timeout;
    SAFEMIG_TRY(std::unique_ptr<UpstreamPool> pool,
                UpstreamPool::create(options.upstream, pool_options));
    ForwarderOptions forwarder_options;
    forwarder_options.upstream_timeout = options.upstream_timeout;
    forwarder_options.error_messages = options.error_messages;
    Forwarder forwarder(
        *pool, [&recorder](dao::CompletionRequest record) { recorder.submit(std::move(record)); },
        metrics, forwarder_options);
    auto router = make_router(forwarder, metrics, recorder, schema_version);
    // One thread runs the loop and owns every socket; other threads (the resolver's) only post
    // completions. So sockets need no locks, while the scheduler keeps its own.
    asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
    return serve(io, options, std::move(router), *pool, forwarder);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, std::string("the proxy's event loop failed: ") + e.what());
  }
}

}  // namespace safemig::proxy
