// Server: binds the listening sockets, runs their accept loops and one session coroutine per
// connection, and stops them cleanly.
//
// Thread safety: see server.h. The acceptors live on one strand; stop() posts to it and to each
// session's executor (a strand, unless ServerOptions::single_threaded).
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server_state.h"

namespace safemig::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Logs what escaped a coroutine (nothing should: sessions catch at their edges).
void log_escaped(std::string_view what, const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("http: {} ended with an exception: {}", what, e.what());
  } catch (...) {
    spdlog::error("http: {} ended with an unknown exception", what);
  }
}

std::string display_address(const ListenAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

void start_session(const std::shared_ptr<detail::ServerState>& state, tcp::socket socket) {
  auto session = std::make_shared<detail::Session>(std::move(socket));
  {
    std::lock_guard lock(state->mutex);
    state->sessions.insert(session);
  }
  const auto executor = session->socket.get_executor();
  asio::co_spawn(executor, detail::run_session(state, session),
                 [state, session](const std::exception_ptr& error) {
                   log_escaped("an HTTP session", error);
                   std::lock_guard lock(state->mutex);
                   state->sessions.erase(session);
                 });
}

// Accepts connections on `acceptor` (one of state->acceptors) until it is closed. Transient
// failures (out of descriptors) are logged and retried after a short pause.
asio::awaitable<void> accept_loop(std::shared_ptr<detail::ServerState> state,
                                  tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket = state->options.single_threaded ? tcp::socket(state->io)
                                                        : tcp::socket(asio::make_strand(state->io));
    const auto [ec] = co_await acceptor.async_accept(socket, kUseTuple);
    if (state->stopping.load() || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      std::uint64_t suppressed = 0;
      if (state->accept_failure_log.allow(suppressed)) {
        spdlog::warn(
            "http: accept on port {} failed: {}; retrying every 50 ms ({} similar messages "
            "suppressed); if descriptors ran out, raise the open-file limit (ulimit -n)",
            state->port, ec.message(), suppressed);
      }
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    // Before the first asynchronous operation, which would otherwise set the mode itself: the
    // session's writes try a direct send first (write_all.h).
    socket.non_blocking(true, ignored);
    start_session(state, std::move(socket));
  }
}

// An acceptor listening on `endpoint`; `ec` says why there is none.
tcp::acceptor bind_listening(const asio::strand<asio::io_context::executor_type>& strand,
                             const tcp::endpoint& endpoint, boost::system::error_code& ec) {
  tcp::acceptor acceptor(strand);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return acceptor;
  boost::system::error_code ignored;
  // v6 only, so that a v6 address never takes the port of the v4 ones too.
  if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ignored);
  acceptor.set_option(tcp::acceptor::reuse_address(true), ignored);
  acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return acceptor;
}

// Binds every one of `endpoints`, on `port` (0: the one the first bind picks), into
// state.acceptors; `skipped` lists the addresses this machine cannot bind (no IPv6). Returns the
// endpoint whose port is in use, when one is: then state.acceptors is left empty, as the port is
// someone else's.
std::optional<tcp::endpoint> bind_all(detail::ServerState& state,
                                      const tcp::resolver::results_type& endpoints,
                                      std::uint16_t port, std::string& skipped) {
  state.acceptors.clear();
  skipped.clear();
  std::vector<asio::ip::address> seen;  // An address listed twice (/etc/hosts) is bound once.
  for (const auto& entry : endpoints) {
    const asio::ip::address address = entry.endpoint().address();
    if (std::find(seen.begin(), seen.end(), address) != seen.end()) continue;
    seen.push_back(address);
    const tcp::endpoint endpoint(address, port);
    boost::system::error_code ec;
    tcp::acceptor acceptor = bind_listening(state.acceptor_strand, endpoint, ec);
    if (ec == asio::error::address_in_use) {
      state.acceptors.clear();
      return endpoint;
    }
    if (ec) {
      skipped +=
          (skipped.empty() ? "" : "; ") + endpoint.address().to_string() + ": " + ec.message();
      continue;
    }
    if (port == 0) port = acceptor.local_endpoint(ec).port();
    state.acceptors.push_back(std::move(acceptor));
  }
  return std::nullopt;
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(std::shared_ptr<detail::ServerState> state) : state_(std::move(state)) {}
  // stop() allocates (the posted close, the list of sessions); nothing it throws may leave a
  // destructor.
  ~ServerImpl() override {
    try {
      stop();
    } catch (...) {
      log_escaped("stopping the server", std::current_exception());
    }
  }
  ServerImpl(const ServerImpl&) = delete;
  ServerImpl& operator=(const ServerImpl&) = delete;

  std::uint16_t port() const override { return state_->port; }
  std::size_t in_flight() const override { return state_->in_flight.load(); }

  void stop() override {
    if (state_->stopping.exchange(true)) return;
    asio::post(state_->acceptor_strand, [state = state_] {
      for (tcp::acceptor& acceptor : state->acceptors) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
      }
    });
    std::vector<std::shared_ptr<detail::Session>> sessions;
    {
      std::lock_guard lock(state_->mutex);
      sessions.assign(state_->sessions.begin(), state_->sessions.end());
    }
    // Sessions waiting for a request close now; the others see `stopping` after their response.
    for (auto& session : sessions) {
      asio::post(session->socket.get_executor(), [session] {
        boost::system::error_code ignored;
        if (session->idle) session->socket.cancel(ignored);
      });
    }
  }

 private:
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::listen(asio::io_context& io, const ListenAddress& address,
                                               std::shared_ptr<const Router> router,
                                               ServerOptions options) {
  const std::string where = display_address(address);
  if (!router) return fail(ErrorCode::invalid_input, "no router given for " + where);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints =
      resolver.resolve(address.host, std::to_string(address.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) {
    return fail(ErrorCode::io,
                "cannot listen on " + where + ": cannot resolve the host: " + ec.message());
  }
  auto state = std::make_shared<detail::ServerState>(io, std::move(router), std::move(options));
  // With port 0 the port the first bind picked may be in use on another of the addresses; then
  // the whole binding is tried again, up to 3 times.
  std::string skipped;
  std::optional<tcp::endpoint> in_use;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    in_use = bind_all(*state, endpoints, address.port, skipped);
    if (!in_use || address.port != 0) break;
  }
  if (in_use) {
    return fail(ErrorCode::io, "cannot listen on " + where + ": port " +
                                   std::to_string(in_use->port()) + " of " +
                                   in_use->address().to_string() +
                                   " is in use; stop what listens there, or choose another port");
  }
  if (state->acceptors.empty()) {
    return fail(ErrorCode::io, "cannot listen on " + where + ": " +
                                   (skipped.empty() ? std::string("no address to bind") : skipped));
  }
  if (!skipped.empty()) spdlog::warn("http: listening on {} without {}", where, skipped);
  state->port = state->acceptors.front().local_endpoint(ec).port();
  for (tcp::acceptor& acceptor : state->acceptors) {
    asio::co_spawn(state->acceptor_strand, accept_loop(state, acceptor),
                   [](const std::exception_ptr& error) { log_escaped("the accept loop", error); });
  }
  return std::unique_ptr<Server>(std::make_unique<ServerImpl>(std::move(state)));
}

}  // namespace safemig::http
