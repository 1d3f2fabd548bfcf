// fake-upstream: the OpenAI-compatible fake as a process, for the README's run command and the
// benchmarks.
//
//   fake-upstream --listen 127.0.0.1:0 [--tokens N] [--token-delay-ms D] [--threads T]
//
// Prints the bound port alone on stdout's first line, then serves until SIGINT or SIGTERM.
//
// Thread safety: the main thread waits for the stop signals; the server runs on its own threads.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "safemig/http/descriptor_table.h"
#include "safemig/http/open_file_limit.h"
#include "safemig/http/server.h"
#include "support/fake_upstream.h"

int main(int argc, char** argv) {
  CLI::App app{"OpenAI-compatible fake LLM upstream for tests and benchmarks"};
  std::string listen = "127.0.0.1:0";
  int tokens = 5;
  int token_delay_ms = 0;
  int threads = 1;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)");
  app.add_option("--tokens", tokens, "completion tokens per answer")->check(CLI::NonNegativeNumber);
  app.add_option("--token-delay-ms", token_delay_ms, "milliseconds between two tokens")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", threads, "server threads")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const auto address = safemig::http::parse_listen_address(listen);
  if (!address) {
    std::cerr << "fake-upstream: " << address.error().message << "\n";
    return 2;
  }
  safemig::testing::FakeUpstreamOptions options;
  options.host = address->host;
  options.port = address->port;
  options.tokens = tokens;
  options.token_delay = std::chrono::milliseconds(token_delay_ms);
  options.threads = threads;

  // Benchmarks hold thousands of streams open.
  if (auto limit = safemig::http::raise_open_file_limit(); !limit) {
    std::cerr << "fake-upstream: " << limit.error().message << "\n";
  }
  // As the services do (descriptor_table.h), so that the direct runs of the benchmarks do not
  // stop at each doubling of the table either.
  if (auto reserved = safemig::http::reserve_descriptor_table(safemig::http::kServerDescriptors);
      !reserved) {
    std::cerr << "fake-upstream: " << reserved.error().message << "\n";
  }
  // The signal_set exists before the server threads start, so the stop signals reach it.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  auto upstream = safemig::testing::FakeUpstream::start(options);
  if (!upstream) {
    std::cerr << "fake-upstream: " << upstream.error().message << "\n";
    return 1;
  }
  std::cout << (*upstream)->port() << std::endl;
  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_io.run();
  (*upstream)->stop();
  return 0;
}
