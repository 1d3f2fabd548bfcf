// One HTTP/1.1 connection to the upstream over TCP or TLS (see upstream_connection.h).
//
// The only translation unit that instantiates Beast's client-side stream templates.
// Thread safety: one coroutine at a time, on the io_context's thread.
#include "safemig/proxy/upstream_connection.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <optional>
#include <type_traits>

#include "safemig/http/buffered_parse.h"
#include "safemig/http/socket_deadline.h"
#include "safemig/http/write_all.h"

namespace safemig::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = http::bhttp;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Interim (1xx) responses read before the final one; an upstream sending more is refused.
constexpr std::size_t kMaxInterimResponses = 16;

// `ec` is the error an operation ended with; an operation cut short by its deadline (which
// closes the socket) or cancelled is a timeout.
UpstreamFailure classify(const boost::system::error_code& ec, Failure otherwise,
                         std::string_view what, bool deadline_passed = false) {
  if (deadline_passed || ec == asio::error::operation_aborted) {
    return {Failure::upstream_timeout, std::string(what) + ": timed out", false};
  }
  return {otherwise, std::string(what) + ": " + ec.message(), false};
}

// Opening a socket fails with EMFILE / ENFILE when the process or the system has no descriptor
// left: the proxy's own shortage, not the upstream's.
UpstreamFailure socket_failure(const boost::system::error_code& ec) {
  const bool out_of_descriptors = ec == boost::system::errc::too_many_files_open ||
                                  ec == boost::system::errc::too_many_files_open_in_system;
  return {out_of_descriptors ? Failure::proxy_overloaded : Failure::upstream_unreachable,
          "opening a socket: " + ec.message(), false};
}

// Connects `socket` to the first of `endpoints` that accepts before `deadline`, each time opened
// here: a range connect opens its own sockets and reports a failed open as "operation
// aborted", indistinguishable from a timeout. A timeout ends the attempts.
asio::awaitable<UpstreamResult<void>> connect_any(tcp::socket& socket,
                                                  http::SocketDeadline& socket_deadline,
                                                  const tcp::resolver::results_type& endpoints,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  const UpstreamTarget& target) {
  UpstreamFailure last{Failure::upstream_unreachable, "resolving " + target.host + ": no address",
                       false};
  for (const auto& entry : endpoints) {
    boost::system::error_code open_ec;
    if (socket.is_open()) socket.close(open_ec);
    socket.open(entry.endpoint().protocol(), open_ec);
    if (open_ec) co_return tl::make_unexpected(socket_failure(open_ec));
    // Before the connect, which would otherwise set the mode itself: plain requests are sent
    // with a direct send first (http/write_all.h).
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket_deadline.expires_at(deadline);
    const auto [connect_ec] = co_await socket.async_connect(entry.endpoint(), kUseTuple);
    if (!connect_ec) co_return UpstreamResult<void>{};
    last = classify(connect_ec, Failure::upstream_unreachable, "connecting to " + target.authority,
                    socket_deadline.expired());
    if (last.failure == Failure::upstream_timeout) break;
  }
  co_return tl::make_unexpected(std::move(last));
}

bool is_closed(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

// The upstream's addresses. An address literal needs no lookup: it skips the resolver, whose
// getaddrinfo runs on a thread of its own and would cost a thread hop per new connection.
asio::awaitable<UpstreamResult<tcp::resolver::results_type>> resolve(
    asio::any_io_executor executor, const UpstreamTarget& target,
    std::chrono::milliseconds timeout) {
  boost::system::error_code literal_ec;
  const auto address = asio::ip::make_address(target.host, literal_ec);
  if (!literal_ec) {
    co_return tcp::resolver::results_type::create(tcp::endpoint(address, target.port), target.host,
                                                  std::to_string(target.port));
  }
  tcp::resolver resolver(executor);
  asio::steady_timer resolve_timer(executor, timeout);
  bool resolve_timed_out = false;
  resolve_timer.async_wait([&resolver, &resolve_timed_out](const boost::system::error_code& ec) {
    if (ec) return;  // Cancelled: the resolution finished first.
    resolve_timed_out = true;
    resolver.cancel();
  });
  const auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
      target.host, std::to_string(target.port), tcp::resolver::numeric_service, kUseTuple);
  resolve_timer.cancel();
  if (resolve_timed_out) {
    co_return tl::make_unexpected(UpstreamFailure{
        Failure::upstream_timeout, "resolving " + target.host + ": timed out", false});
  }
  if (resolve_ec) {
    co_return tl::make_unexpected(
        classify(resolve_ec, Failure::upstream_unreachable, "resolving " + target.host));
  }
  co_return endpoints;
}

}  // namespace

struct UpstreamConnection::Impl {
  // A plain socket, not Beast's tcp_stream: `deadline` bounds the operations, and the stream's
  // per-operation timer bookkeeping would cost every read and write for nothing.
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> secure;
  // Bounds every operation on the socket. Set once the socket exists, and destroyed before it.
  std::optional<http::SocketDeadline> deadline;
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  bool broken = false;

  // Marks the connection unusable after a failed body read and says why.
  UpstreamFailure body_failure(const boost::system::error_code& ec) {
    broken = true;
    return classify(ec, Failure::upstream_protocol, "reading the response body",
                    deadline->expired());
  }

  tcp::socket& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  const tcp::socket& lowest() const { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  // Calls f with the stream the HTTP messages go over.
  template <typename F>
  auto with_stream(F&& f) {
    if (secure) return f(*secure);
    return f(*plain);
  }
};

UpstreamConnection::UpstreamConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UpstreamConnection::~UpstreamConnection() = default;

asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>> UpstreamConnection::open(
    asio::any_io_executor executor, const UpstreamTarget& target, asio::ssl::context* tls,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto endpoints = co_await resolve(executor, target, timeout);
  if (!endpoints) co_return tl::make_unexpected(std::move(endpoints).error());

  auto impl = std::make_unique<Impl>();
  if (target.tls) {
    if (tls == nullptr) {
      co_return tl::make_unexpected(
          UpstreamFailure{Failure::upstream_unreachable, "no TLS context for https", false});
    }
    impl->secure = std::make_unique<beast::ssl_stream<tcp::socket>>(executor, *tls);
  } else {
    impl->plain = std::make_unique<tcp::socket>(executor);
  }
  impl->deadline.emplace(impl->lowest());
  auto connected =
      co_await connect_any(impl->lowest(), *impl->deadline, *endpoints, deadline, target);
  if (!connected) co_return tl::make_unexpected(std::move(connected).error());
  boost::system::error_code ignored;
  impl->lowest().set_option(tcp::no_delay(true), ignored);

  if (impl->secure) {
    boost::system::error_code address_ec;
    asio::ip::make_address(target.host, address_ec);
    // SNI names hosts, never addresses (RFC 6066 §3).
    // SSL_set_tlsext_host_name without the macro's C-style cast.
    if (address_ec &&
        SSL_ctrl(impl->secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                 TLSEXT_NAMETYPE_host_name, const_cast<char*>(target.host.c_str())) != 1) {
      co_return tl::make_unexpected(UpstreamFailure{
          Failure::upstream_unreachable, "TLS: cannot set the server name " + target.host, false});
    }
    impl->secure->set_verify_mode(asio::ssl::verify_peer, ignored);
    impl->secure->set_verify_callback(asio::ssl::host_name_verification(target.host), ignored);
    const auto [handshake_ec] =
        co_await impl->secure->async_handshake(asio::ssl::stream_base::client, kUseTuple);
    if (handshake_ec) {
      co_return tl::make_unexpected(classify(handshake_ec, Failure::upstream_unreachable,
                                             "TLS handshake with " + target.authority,
                                             impl->deadline->expired()));
    }
  }
  impl->deadline->expires_never();
  co_return std::unique_ptr<UpstreamConnection>(new UpstreamConnection(std::move(impl)));
}

asio::awaitable<UpstreamResult<void>> UpstreamConnection::send(std::string_view head,
                                                               std::string_view body,
                                                               std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  s.parser.reset();
  const std::array<asio::const_buffer, 2> message{asio::buffer(head.data(), head.size()),
                                                  asio::buffer(body.data(), body.size())};
  const auto bound = s.deadline->bound(timeout);
  const auto [ec, n] = co_await s.with_stream([&](auto& stream) {
    if constexpr (std::is_same_v<std::decay_t<decltype(stream)>, tcp::socket>) {
      return http::write_all(stream, message);
    } else {
      return asio::async_write(stream, message, kUseTuple);
    }
  });
  if (ec) {
    s.broken = true;
    UpstreamFailure error =
        classify(ec, Failure::upstream_unreachable, "sending the request", s.deadline->expired());
    error.closed_before_response = is_closed(ec);
    co_return tl::make_unexpected(std::move(error));
  }
  co_return UpstreamResult<void>{};
}

asio::awaitable<UpstreamResult<void>> UpstreamConnection::read_head(
    bool head_request, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  const auto bound = s.deadline->bound(timeout);
  // Interim responses (100 Continue, 102, 103 Early Hints) precede the final one and are not
  // relayed: the client has one response to read per request, and the proxy sends no Expect.
  // Reading on keeps the final response from being left in the connection for the next request.
  for (std::size_t interim = 0;; ++interim) {
    s.parser.emplace();
    s.parser->body_limit(boost::none);
    s.parser->header_limit(64 * 1024);
    if (head_request) s.parser->skip(true);
    const auto [ec, n] = co_await s.with_stream([&](auto& stream) {
      return bhttp::async_read_header(stream, s.buffer, *s.parser, kUseTuple);
    });
    if (ec) {
      s.broken = true;
      UpstreamFailure error = classify(ec, Failure::upstream_protocol, "reading the response head",
                                       s.deadline->expired());
      error.closed_before_response = is_closed(ec) && !s.parser->got_some() && interim == 0;
      co_return tl::make_unexpected(std::move(error));
    }
    const unsigned status = s.parser->get().result_int();
    if (status >= 200) co_return UpstreamResult<void>{};
    std::string refused;
    if (status == 101) {
      refused = "the upstream switched protocols (101), which the proxy never asks for";
    } else if (interim + 1 == kMaxInterimResponses) {
      refused = "the upstream sent " + std::to_string(kMaxInterimResponses) +
                " interim (1xx) responses without a final one";
    }
    if (!refused.empty()) {
      s.broken = true;
      co_return tl::make_unexpected(
          UpstreamFailure{Failure::upstream_protocol, std::move(refused), false});
    }
  }
}

const bhttp::response_header<>& UpstreamConnection::head() const {
  return impl_->parser->get().base();
}

asio::awaitable<UpstreamResult<std::size_t>> UpstreamConnection::read_body(
    std::span<char> buffer, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  auto& body = s.parser->get().body();
  body.data = buffer.data();
  body.size = buffer.size();
  if (s.buffer.size() > 0) {
    // Body bytes that came with the head (or an earlier piece) need no read.
    boost::system::error_code ec = http::parse_buffered(*s.parser, s.buffer);
    const std::size_t written = buffer.size() - body.size;
    if (ec == bhttp::error::need_buffer || (ec == bhttp::error::need_more && written > 0)) ec = {};
    if (ec && ec != bhttp::error::need_more) co_return tl::make_unexpected(s.body_failure(ec));
    if (!ec) co_return written;
  }
  const auto bound = s.deadline->bound(timeout);
  auto [ec, n] = co_await s.with_stream(
      [&](auto& stream) { return bhttp::async_read_some(stream, s.buffer, *s.parser, kUseTuple); });
  if (ec == bhttp::error::need_buffer) ec = {};
  if (ec) co_return tl::make_unexpected(s.body_failure(ec));
  co_return buffer.size() - body.size;
}

bool UpstreamConnection::body_done() const {
  return impl_->parser.has_value() && impl_->parser->is_done();
}

bool UpstreamConnection::reusable() const {
  const Impl& s = *impl_;
  return !s.broken && s.parser.has_value() && s.parser->is_done() && s.parser->get().keep_alive() &&
         s.buffer.size() == 0;
}

bool UpstreamConnection::looks_alive() {
  Impl& s = *impl_;
  if (s.broken || s.buffer.size() != 0) return false;
  tcp::socket& socket = s.lowest();
  if (!socket.is_open()) return false;
  char byte = 0;
  const ssize_t r = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void UpstreamConnection::close() {
  impl_->broken = true;
  boost::system::error_code ignored;
  impl_->lowest().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->lowest().close(ignored);
}

}  // namespace safemig::proxy
