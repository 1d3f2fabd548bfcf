// Private to safemig_http: the state a Server shares with its accept loop and sessions.
//
// Thread safety: `stopping`, `in_flight` and `body_budget` are atomic; `sessions` is guarded by
// `mutex`; the acceptors are touched only on their strand; a Session only on its own strand.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <utility>
#include <vector>

#include "body_budget.h"
#include "safemig/http/router.h"
#include "safemig/http/server.h"
#include "safemig/http/socket_deadline.h"
#include "safemig/log_gate.h"

namespace safemig::http::detail {

// One client connection.
struct Session {
  explicit Session(boost::asio::ip::tcp::socket accepted)
      : socket(std::move(accepted)), deadline(socket) {}
  // A plain socket, not Beast's tcp_stream: `deadline` bounds its reads and writes, and the
  // stream's per-operation timer bookkeeping would cost every read and write for nothing.
  boost::asio::ip::tcp::socket socket;
  SocketDeadline deadline;
  // True while the session waits for the first byte of a request: stop() may close it then.
  // Touched only on the session's strand.
  bool idle = true;
};

struct ServerState {
  ServerState(boost::asio::io_context& io_context, std::shared_ptr<const Router> routes,
              ServerOptions server_options)
      : io(io_context),
        acceptor_strand(boost::asio::make_strand(io_context)),
        router(std::move(routes)),
        options(std::move(server_options)),
        body_budget(options.bodies_in_flight_limit) {}

  boost::asio::io_context& io;
  // One acceptor per address the host resolved to, all on one strand. Filled by listen()
  // before any accept loop starts; not resized after.
  boost::asio::strand<boost::asio::io_context::executor_type> acceptor_strand;
  std::vector<boost::asio::ip::tcp::acceptor> acceptors;
  const std::shared_ptr<const Router> router;
  const ServerOptions options;
  std::uint16_t port = 0;  // Set once by listen() before any session starts.
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> in_flight{0};
  BodyBudget body_budget;      // Bounded by options.bodies_in_flight_limit.
  LogGate accept_failure_log;  // An accept failing on every retry (out of descriptors).

  std::mutex mutex;
  std::unordered_set<std::shared_ptr<Session>> sessions;  // Guarded by mutex.
};

// Serves requests on `session` until the client leaves, a timeout, an error, a response that
// ends the connection, or stop(). Never throws; closes the socket before returning.
boost::asio::awaitable<void> run_session(std::shared_ptr<ServerState> state,
                                         std::shared_ptr<Session> session);

}  // namespace safemig::http::detail
