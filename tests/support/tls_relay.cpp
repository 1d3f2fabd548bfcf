// TlsRelay: TLS terminator in front of a plain TCP server (see tls_relay.h).
//
// Thread safety: the listener, the connections and `stopping_` belong to the io_context's single
// thread; stop() reaches them by posting to it. The counters are atomics; stop() is serialised.
#include "support/tls_relay.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace safemig::testing {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// One relayed connection: the TLS side from the client and the plain side to the target.
struct Connection {
  Connection(tcp::socket socket, ssl::context& context)
      : tls(std::move(socket), context), plain(tls.get_executor()) {}

  // Ends both sides; operations in progress on either complete with an error.
  void close() {
    boost::system::error_code ignored;
    tls.lowest_layer().close(ignored);
    plain.close(ignored);
  }

  ssl::stream<tcp::socket> tls;
  tcp::socket plain;
};

// Copies what `from` receives to `to` until reading or writing fails (the peer closed included).
template <typename From, typename To>
asio::awaitable<void> pump(From& from, To& to) {
  std::array<char, 16 * 1024> buffer{};
  for (;;) {
    const auto [read_ec, n] = co_await from.async_read_some(asio::buffer(buffer), kUseTuple);
    if (n > 0) {
      const auto [write_ec, written] =
          co_await asio::async_write(to, asio::buffer(buffer.data(), n), kUseTuple);
      if (write_ec) co_return;
    }
    if (read_ec) co_return;
  }
}

// Completion of the relay's coroutines. They report failures by returning; the only exception
// left (std::bad_alloc) is dropped here instead of escaping io_context::run().
void ignore_exception(const std::exception_ptr&) {}

}  // namespace

class TlsRelay::Impl {
 public:
  explicit Impl(TlsRelayOptions options) : options_(std::move(options)) {}

  Result<void> start();
  void stop();
  std::uint16_t port() const { return port_; }

  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> handshakes{0};

 private:
  asio::awaitable<void> accept_loop();
  // Handshake, connect to the target, relay client to target; relay_back() does the other way.
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  asio::awaitable<void> relay_back(std::shared_ptr<Connection> connection);

  const TlsRelayOptions options_;
  asio::io_context io_{1};
  std::unique_ptr<ssl::context> context_;
  tcp::acceptor acceptor_{io_};
  std::vector<std::weak_ptr<Connection>> connections_;  // The io_context's thread only.
  bool stopping_ = false;                               // The io_context's thread only.
  std::uint16_t port_ = 0;

  std::mutex lifecycle_mutex_;  // Serialises stop().
  std::thread thread_;
  std::mutex run_mutex_;
  std::condition_variable run_done_;
  bool running_ = false;  // Guarded by run_mutex_.
};

Result<void> TlsRelay::Impl::start() {
  if (options_.target_port == 0) {
    return fail(ErrorCode::invalid_input, "tls relay: the target port must not be 0");
  }
  try {
    context_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal,
                std::string("tls relay: cannot create the TLS context: ") + e.what());
  }
  boost::system::error_code ec;
  context_->set_options(
      ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3, ec);
  context_->use_certificate_chain_file(options_.certificate_file, ec);
  if (ec) {
    return fail(ErrorCode::invalid_input, "tls relay: cannot load the certificate " +
                                              options_.certificate_file + ": " + ec.message());
  }
  context_->use_private_key_file(options_.private_key_file, ssl::context::pem, ec);
  if (ec) {
    return fail(ErrorCode::invalid_input, "tls relay: cannot load the private key " +
                                              options_.private_key_file + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(context_->native_handle()) != 1) {
    return fail(ErrorCode::invalid_input, "tls relay: the private key " +
                                              options_.private_key_file +
                                              " does not match the certificate");
  }

  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail(ErrorCode::io, "tls relay: cannot listen on 127.0.0.1: " + ec.message());

  try {
    asio::co_spawn(io_, accept_loop(), ignore_exception);
    running_ = true;
    thread_ = std::thread([this] {
      io_.run();
      {
        std::lock_guard lock(run_mutex_);
        running_ = false;
      }
      run_done_.notify_all();
    });
  } catch (const std::exception& e) {
    running_ = false;
    return fail(ErrorCode::internal, std::string("tls relay: cannot start: ") + e.what());
  }
  return {};
}

asio::awaitable<void> TlsRelay::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;
    accepted.fetch_add(1);
    auto connection = std::make_shared<Connection>(std::move(socket), *context_);
    std::erase_if(connections_, [](const std::weak_ptr<Connection>& c) { return c.expired(); });
    connections_.push_back(connection);
    asio::co_spawn(io_, serve(std::move(connection)), ignore_exception);
  }
}

asio::awaitable<void> TlsRelay::Impl::serve(std::shared_ptr<Connection> connection) {
  const auto [handshake_ec] =
      co_await connection->tls.async_handshake(ssl::stream_base::server, kUseTuple);
  if (handshake_ec || stopping_) {
    connection->close();
    co_return;
  }
  handshakes.fetch_add(1);
  const tcp::endpoint target(asio::ip::address_v4::loopback(), options_.target_port);
  const auto [connect_ec] = co_await connection->plain.async_connect(target, kUseTuple);
  if (connect_ec || stopping_) {
    connection->close();
    co_return;
  }
  boost::system::error_code ignored;
  connection->plain.set_option(tcp::no_delay(true), ignored);
  connection->tls.lowest_layer().set_option(tcp::no_delay(true), ignored);
  asio::co_spawn(io_, relay_back(connection), ignore_exception);
  co_await pump(connection->tls, connection->plain);
  connection->close();
}

asio::awaitable<void> TlsRelay::Impl::relay_back(std::shared_ptr<Connection> connection) {
  co_await pump(connection->plain, connection->tls);
  connection->close();
}

void TlsRelay::Impl::stop() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (!thread_.joinable()) return;
  // Closing the listener and every socket makes each coroutine return; the thread then runs out
  // of work. Should anything still be pending after a grace period, stop outright.
  try {
    asio::post(io_, [this] {
      stopping_ = true;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (const auto& weak : connections_) {
        if (const auto connection = weak.lock()) connection->close();
      }
      connections_.clear();
    });
  } catch (const std::exception&) {
    io_.stop();
  }
  {
    std::unique_lock lock(run_mutex_);
    if (!run_done_.wait_for(lock, std::chrono::seconds(2), [&] { return !running_; })) {
      io_.stop();
    }
  }
  thread_.join();
}

TlsRelay::TlsRelay(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsRelay::~TlsRelay() { stop(); }

Result<std::unique_ptr<TlsRelay>> TlsRelay::start(TlsRelayOptions options) {
  try {
    auto impl = std::make_unique<Impl>(std::move(options));
    SAFEMIG_TRY_VOID(impl->start());
    return std::unique_ptr<TlsRelay>(new TlsRelay(std::move(impl)));
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, std::string("tls relay: cannot start: ") + e.what());
  }
}

std::uint16_t TlsRelay::port() const { return impl_->port(); }

std::size_t TlsRelay::accepted_connections() const { return impl_->accepted.load(); }

std::size_t TlsRelay::completed_handshakes() const { return impl_->handshakes.load(); }

void TlsRelay::stop() { impl_->stop(); }

}  // namespace safemig::testing
