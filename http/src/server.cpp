// Server: binds the listening socket, runs the accept loop and one session coroutine per
// connection, and stops them cleanly.
//
// Thread safety: see server.h. The acceptor lives on its strand; stop() posts to it and to each
// session's executor (a strand, unless ServerOptions::single_threaded).
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>
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
  const auto executor = session->stream.get_executor();
  asio::co_spawn(executor, detail::run_session(state, session),
                 [state, session](const std::exception_ptr& error) {
                   log_escaped("an HTTP session", error);
                   std::lock_guard lock(state->mutex);
                   state->sessions.erase(session);
                 });
}

// Accepts connections until the acceptor is closed. Transient failures (out of descriptors)
// are logged and retried after a short pause.
asio::awaitable<void> accept_loop(std::shared_ptr<detail::ServerState> state) {
  for (;;) {
    tcp::socket socket = state->options.single_threaded ? tcp::socket(state->io)
                                                        : tcp::socket(asio::make_strand(state->io));
    const auto [ec] = co_await state->acceptor.async_accept(socket, kUseTuple);
    if (state->stopping.load() || !state->acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      std::uint64_t suppressed = 0;
      if (state->accept_failure_log.allow(suppressed)) {
        spdlog::warn(
            "http: accept on port {} failed: {}; retrying every 50 ms ({} similar messages "
            "suppressed); if descriptors ran out, raise the open-file limit (ulimit -n)",
            state->port, ec.message(), suppressed);
      }
      asio::steady_timer pause(state->acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    start_session(state, std::move(socket));
  }
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(std::shared_ptr<detail::ServerState> state) : state_(std::move(state)) {}
  ~ServerImpl() override { stop(); }
  ServerImpl(const ServerImpl&) = delete;
  ServerImpl& operator=(const ServerImpl&) = delete;

  std::uint16_t port() const override { return state_->port; }
  std::size_t in_flight() const override { return state_->in_flight.load(); }

  void stop() override {
    if (state_->stopping.exchange(true)) return;
    asio::post(state_->acceptor.get_executor(), [state = state_] {
      boost::system::error_code ignored;
      state->acceptor.close(ignored);
    });
    std::vector<std::shared_ptr<detail::Session>> sessions;
    {
      std::lock_guard lock(state_->mutex);
      sessions.assign(state_->sessions.begin(), state_->sessions.end());
    }
    // Sessions waiting for a request close now; the others see `stopping` after their response.
    for (auto& session : sessions) {
      asio::post(session->stream.get_executor(), [session] {
        if (session->idle) session->stream.cancel();
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
  auto state = std::make_shared<detail::ServerState>(io, std::move(router), options);
  tcp::acceptor& acceptor = state->acceptor;
  for (const auto& entry : endpoints) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    acceptor.open(entry.endpoint().protocol(), ec);
    if (ec) continue;
    acceptor.set_option(tcp::acceptor::reuse_address(true), ignored);
    acceptor.bind(entry.endpoint(), ec);
    if (ec) continue;
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) break;
  }
  if (ec || !acceptor.is_open()) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return fail(ErrorCode::io, "cannot listen on " + where + ": " +
                                   (ec ? ec.message() : std::string("no address to bind")));
  }
  state->port = acceptor.local_endpoint(ec).port();
  asio::co_spawn(acceptor.get_executor(), accept_loop(state),
                 [](const std::exception_ptr& error) { log_escaped("the accept loop", error); });
  return std::unique_ptr<Server>(std::make_unique<ServerImpl>(std::move(state)));
}

}  // namespace safemig::http
