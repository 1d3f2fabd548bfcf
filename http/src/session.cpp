// The session loop: read a request (timeouts, body limit, 100-continue), route it, write the
// response, keep alive — one coroutine per connection, no exceptions (as_tuple everywhere).
//
// Thread safety: a session runs on its own strand (or the io_context's only thread); it shares only
// the atomics and the router (const) of ServerState.
#include <spdlog/spdlog.h>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/optional/optional.hpp>
#include <cstdint>
#include <exception>
#include <tuple>

#include "body_budget.h"
#include "request_framing.h"
#include "safemig/http/buffered_parse.h"
#include "server_state.h"
#include "session_channel.h"

namespace safemig::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = std::size_t{64} * 1024;
// After an error answer, unread request bytes are drained for this long (at most this many) so
// that closing the socket does not reset the connection before the client reads the answer.
constexpr std::chrono::seconds kLingerTime{1};
constexpr std::size_t kLingerBytes = std::size_t{4} * 1024 * 1024;

// Counts a request in flight for as long as it lives.
class InFlight {
 public:
  explicit InFlight(std::atomic<std::size_t>& counter) : counter_(counter) { ++counter_; }
  ~InFlight() { --counter_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<std::size_t>& counter_;
};

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == beast::http::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Ends the connection politely: no more data from us, discard what the client still sends.
asio::awaitable<void> linger_close(Session& session) {
  tcp::socket& socket = session.socket;
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  const auto bound = session.deadline.bound(kLingerTime);
  std::array<char, std::size_t{16} * 1024> scratch{};
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    const auto [ec, n] = co_await socket.async_read_some(asio::buffer(scratch), kUseTuple);
    if (ec) break;
    drained += n;
  }
  socket.close(ignored);
}

// Writes `response` with Connection: close, then closes after a linger.
asio::awaitable<void> answer_and_close(ServerState& state, Session& session, Response response) {
  response.keep_alive(false);
  const auto bound = session.deadline.bound(state.options.write_timeout);
  const auto [write_ec, written] = co_await bhttp::async_write(session.socket, response, kUseTuple);
  if (!write_ec) {
    co_await linger_close(session);
  }
}

// True when the path has routes, none for the method: the request is answered 405 anyway.
bool method_not_routed(const Router::Match& match) {
  return match.handler == nullptr && match.streaming == nullptr && !match.allowed.empty();
}

// Answers a request that could not be read: 413 over the body limit (405 when its path has no
// route for its method, which the client must fix first); for a head over the head
// limit, 414 when its request line did not end within it (`partial` has no target then) and 431
// otherwise; 400 for a malformed one. Other failures (client gone, timeout) get no answer. The
// connection closes either way.
asio::awaitable<void> answer_read_error(ServerState& state, Session& session,
                                        const boost::system::error_code& ec, const Request& partial,
                                        RequestContext context) {
  Request request_shape;
  request_shape.version(partial.version() == 10 ? 10 : 11);
  request_shape.keep_alive(false);
  Response response;
  if (ec == bhttp::error::body_limit &&
      method_not_routed(state.router->resolve(partial.method(), partial.target()))) {
    // The 405 the request gets anyway: its method is the error, not its body's size.
    request_shape.method(partial.method());
    request_shape.target(partial.target());
    response = state.router->respond(request_shape, context);
  } else if (ec == bhttp::error::body_limit) {
    if (state.options.on_body_too_large) state.options.on_body_too_large(partial, context);
    response = json_error(request_shape, bhttp::status::payload_too_large, "request_too_large",
                          state.options.body_limit == 0
                              ? "this server takes no request body; send the request without one"
                              : "the request body is larger than the limit of " +
                                    std::to_string(state.options.body_limit) + " bytes");
  } else if (ec == bhttp::error::header_limit && partial.target().empty()) {
    response = json_error(request_shape, bhttp::status::uri_too_long, "invalid_request_error",
                          "the request line is longer than the limit of " +
                              std::to_string(kHeaderLimit) + " bytes; shorten the URL");
  } else if (ec == bhttp::error::header_limit) {
    response = json_error(
        request_shape, bhttp::status::request_header_fields_too_large, "invalid_request_error",
        "the request head is larger than the limit of " + std::to_string(kHeaderLimit) + " bytes");
  } else if (is_parse_error(ec)) {
    response = json_error(request_shape, bhttp::status::bad_request, "invalid_request_error",
                          "malformed HTTP request: " + ec.message());
  } else {
    spdlog::debug("http session: read ended: {}", ec.message());
    co_return;
  }
  spdlog::debug("http session: answering {} to a request that could not be read: {}",
                response.result_int(), ec.message());
  co_await answer_and_close(state, session, std::move(response));
}

// Answers a request whose head was read but whose body cannot be framed (see
// request_framing.h), without reading on: the connection closes.
asio::awaitable<void> answer_framing_refusal(ServerState& state, Session& session,
                                             const Request& head, FramingRefusal refusal) {
  Request request_shape;
  request_shape.version(head.version() == 10 ? 10 : 11);
  request_shape.keep_alive(false);
  spdlog::debug("http session: answering {}: {}", static_cast<unsigned>(refusal.status),
                refusal.message);
  co_await answer_and_close(
      state, session,
      json_error(request_shape, refusal.status, "invalid_request_error", refusal.message));
}

// Answers 503 to a request whose body would take the bodies held at once over their bound, and
// closes the connection without reading the body.
asio::awaitable<void> answer_bodies_over_budget(ServerState& state, Session& session,
                                                const Request& head,
                                                const RequestContext& context) {
  if (state.options.on_bodies_over_budget) state.options.on_bodies_over_budget(head, context);
  Request request_shape;
  request_shape.version(head.version() == 10 ? 10 : 11);
  request_shape.keep_alive(false);
  Response response =
      json_error(request_shape, bhttp::status::service_unavailable, "server_overloaded",
                 "the server holds " + std::to_string(state.body_budget.in_use()) +
                     " bytes of request bodies, and this one would take it over its bound of " +
                     std::to_string(state.body_budget.limit()) + " bytes; retry shortly");
  response.set(bhttp::field::retry_after, "1");
  spdlog::debug("http session: answering 503: request bodies in flight are at their bound");
  co_await answer_and_close(state, session, std::move(response));
}

// What reading a chunked body came to.
struct ChunkedBodyRead {
  boost::system::error_code error;  // The read's error, if any.
  bool over_budget = false;         // The body outgrew what the budget had left.
};

// Reads the rest of a chunked body, growing `reservation` as its bytes arrive; stops at the
// first read error or as soon as the budget has not enough left.
asio::awaitable<ChunkedBodyRead> read_chunked_body(
    tcp::socket& socket, beast::flat_buffer& buffer,
    bhttp::request_parser<bhttp::string_body>& parser, BodyReservation& reservation) {
  while (!parser.is_done()) {
    const auto [ec, n] = co_await bhttp::async_read_some(socket, buffer, parser, kUseTuple);
    if (ec) co_return ChunkedBodyRead{ec, false};
    if (!reservation.grow_to(parser.get().body().size())) co_return ChunkedBodyRead{{}, true};
  }
  co_return ChunkedBodyRead{};
}

// Runs the StreamingHandler of a prefix route. Returns whether the connection stays open.
asio::awaitable<bool> serve_streaming(ServerState& state, Session& session,
                                      const StreamingHandler& handler, Request request,
                                      RequestContext context) {
  const ChannelRequest shape{request.version(), request.keep_alive(),
                             request.method() == bhttp::verb::head};
  const std::string route =
      std::string(request.method_string()) + " " + std::string(request.target());
  SessionChannel channel(session.socket, session.deadline, shape, state.options.write_timeout,
                         state.stopping);
  std::string failure;
  try {
    co_await handler(std::move(request), std::move(context), channel);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (!failure.empty()) {
    spdlog::error("http: streaming handler for {} threw: {}", route, failure);
    if (channel.untouched()) {
      Request error_shape;
      error_shape.version(shape.version);
      error_shape.keep_alive(shape.keep_alive);
      co_await channel.write_response(json_error(error_shape, bhttp::status::internal_server_error,
                                                 "server_error",
                                                 "internal error while handling " + route));
    }
  } else if (channel.untouched()) {
    spdlog::error("http: streaming handler for {} returned without a response", route);
  }
  co_return channel.reusable();
}

// Serves one complete request. Returns whether the connection stays open.
asio::awaitable<bool> serve(ServerState& state, Session& session, Request request,
                            RequestContext context) {
  const Router::Match match = state.router->resolve(request.method(), request.target());
  if (match.streaming != nullptr && match.handler == nullptr && match.allowed.empty()) {
    co_return co_await serve_streaming(state, session, *match.streaming, std::move(request),
                                       std::move(context));
  }
  Response response;
  try {
    response = state.router->respond(request, context);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", request.method_string(), request.target(),
                  e.what());
    response = json_error(request, bhttp::status::internal_server_error, "server_error",
                          "internal error while handling the request");
  }
  const ChannelRequest shape{request.version(), request.keep_alive(),
                             request.method() == bhttp::verb::head};
  SessionChannel channel(session.socket, session.deadline, shape, state.options.write_timeout,
                         state.stopping);
  co_await channel.write_response(std::move(response));
  co_return channel.reusable();
}

bool expects_continue(const Request& request) {
  return request.version() >= 11 && beast::iequals(request[bhttp::field::expect], "100-continue");
}

}  // namespace

asio::awaitable<void> run_session(std::shared_ptr<ServerState> state,
                                  std::shared_ptr<Session> session) {
  tcp::socket& socket = session->socket;
  RequestContext base_context;
  {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (!ec) base_context.peer_address = peer.address().to_string();
  }
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    session->idle = true;
    if (state->stopping.load()) break;
    if (buffer.size() == 0) {
      // Wait for the first byte of the next request: the idle timeout applies here.
      session->deadline.expires_after(first ? state->options.read_timeout
                                            : state->options.idle_timeout);
      const auto [ec, n] = co_await socket.async_read_some(buffer.prepare(4096), kUseTuple);
      if (ec) break;
      buffer.commit(n);
    }
    first = false;
    session->idle = false;

    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(state->options.body_limit);
    parser.header_limit(kHeaderLimit);
    // One deadline for the whole request, head and body.
    session->deadline.expires_after(state->options.read_timeout);
    // A request that arrived whole is parsed here; the socket is read only for what is missing.
    parser.eager(true);
    boost::system::error_code parsed = parse_buffered(parser, buffer);
    if (parsed == bhttp::error::need_more) parsed = {};
    if (!parsed && !parser.is_header_done()) {
      std::tie(parsed, std::ignore) =
          co_await bhttp::async_read_header(socket, buffer, parser, kUseTuple);
    }
    if (parsed) {
      RequestContext context = base_context;
      context.received_at = std::chrono::steady_clock::now();
      co_await answer_read_error(*state, *session, parsed, parser.get(), std::move(context));
      break;
    }
    auto refusal = refuse_transfer_coding(parser.get().base());
    if (!refusal) refusal = refuse_host(parser.get().base());
    if (refusal) {
      co_await answer_framing_refusal(*state, *session, parser.get(), std::move(*refusal));
      break;
    }
    RequestContext context = base_context;
    context.received_at = std::chrono::steady_clock::now();
    // Held until the request has been served: the handler keeps the body until then.
    BodyReservation body_reservation(state->body_budget);
    const boost::optional<std::uint64_t> content_length = parser.content_length();
    if (!body_reservation.grow_to(content_length ? *content_length : parser.get().body().size())) {
      co_await answer_bodies_over_budget(*state, *session, parser.get(), context);
      break;
    }
    InFlight in_flight(state->in_flight);
    if (!parser.is_done()) {
      if (expects_continue(parser.get())) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        const auto [ec, n] = co_await asio::async_write(
            socket, asio::buffer(kContinue.data(), kContinue.size()), kUseTuple);
        if (ec) break;
      }
      ChunkedBodyRead read;
      if (content_length) {
        std::tie(read.error, std::ignore) =
            co_await bhttp::async_read(socket, buffer, parser, kUseTuple);
      } else {
        read = co_await read_chunked_body(socket, buffer, parser, body_reservation);
      }
      if (read.over_budget) {
        co_await answer_bodies_over_budget(*state, *session, parser.get(), context);
        break;
      }
      if (read.error) {
        co_await answer_read_error(*state, *session, read.error, parser.get(), context);
        break;
      }
    }
    // The response's writes set deadlines of their own; the handler may take its time.
    session->deadline.expires_never();
    Request request = parser.release();
    to_origin_form(request);
    if (!co_await serve(*state, *session, std::move(request), std::move(context))) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace safemig::http::detail
