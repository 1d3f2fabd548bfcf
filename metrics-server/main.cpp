// metrics-server: the read-only service over the recorded completion requests.
//
//   metrics-server --db PATH [--listen 127.0.0.1:9090]
//
// Prints "listening on HOST:PORT" on stdout once it accepts connections; logs go to stderr. SIGINT
// or SIGTERM stop it (exit 0). Exit codes: 0 stopped, 1 could not listen, 2 usage error.
//
// Thread safety: kServeThreads threads run the io_context (each connection on a strand); one
// more thread folds the token usage of the rows already stored (MetricsService::start_warm_up)
// and ends.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <thread>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "safemig/http/descriptor_table.h"
#include "safemig/http/open_file_limit.h"
#include "safemig/http/server.h"
#include "safemig/metrics_server/options.h"
#include "safemig/metrics_server/read_only_database.h"
#include "safemig/metrics_server/service.h"

namespace {

// Threads serving requests. A handler blocks its thread while SQLite waits for a lock (up to the
// busy timeout, 2 s); the others keep answering the dashboard's files, /healthz and other
// requests. As many as the connections the database pool keeps.
constexpr int kServeThreads = 4;

}  // namespace

int main(int argc, char** argv) {
  using namespace safemig;
  auto parsed = metrics_server::parse_options(argc, argv, std::cout, std::cerr);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const auto& options = std::get<metrics_server::Options>(parsed);
  // The log goes to stderr: stdout carries only the "listening on" line.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("metrics-server"));
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ metrics-server: %v");

  const auto address = http::parse_listen_address(options.listen);
  if (!address) {
    std::cerr << "metrics-server: --listen: " << address.error().message << "\n";
    return 2;
  }
  if (auto limit = http::raise_open_file_limit(); !limit) {
    spdlog::warn("{}", limit.error().describe());
  }
  if (auto reserved = http::reserve_descriptor_table(http::kServerDescriptors); !reserved) {
    spdlog::warn("{}", reserved.error().describe());
  }
  metrics_server::ReadOnlyDatabase database(options.db_path);
  if (auto probe = database.acquire(); !probe) {
    spdlog::warn("cannot read {} yet ({}); serving 503 until it can be read", options.db_path,
                 probe.error().describe());
  }
  metrics_server::ServiceConfig config;
  config.top_models = options.top_models;
  metrics_server::MetricsService service(database, config);

  boost::asio::io_context io;
  http::ServerOptions server_options;
  // Every route is GET or HEAD: a request with a body is refused from its head, unread.
  server_options.body_limit = 0;
  auto server = http::Server::listen(io, *address, service.router(), server_options);
  if (!server) {
    std::cerr << "metrics-server: " << server.error().describe() << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    spdlog::info("stopping");
    (*server)->stop();
    io.stop();
  });
  std::cout << "listening on " << http::format_listen_address({address->host, (*server)->port()})
            << std::endl;
  spdlog::info("serving {} read-only", options.db_path);
  // Destroyed (stop requested, then joined) before the service and the database it uses.
  const std::jthread warm_up = service.start_warm_up();
  {
    std::vector<std::jthread> more_threads;
    for (int i = 1; i < kServeThreads; ++i) more_threads.emplace_back([&io] { io.run(); });
    io.run();
  }
  return 0;
}
