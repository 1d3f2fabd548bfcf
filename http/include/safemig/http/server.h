// Server: accepts TCP connections and runs one coroutine session per connection: read a
// request (with a timeout and a body limit), route it, write the response, keep alive.
//
// Sessions use `as_tuple(use_awaitable)`: no exception crosses a session. A request body over
// the limit is answered 413 (a head over 64 KiB 431), or 405 when its route does not take its
// method, without reading the body; a body that would take the request bodies held at once over
// their bound 503; a malformed request, or an HTTP/1.1 request without exactly one Host header
// (RFC 9112 §3.2), 400; each of these closes the connection. A read or write that times out closes
// the connection. HTTP/1.0 and 1.1, keep-alive, `Expect: 100-continue`, and HEAD (answered by the
// GET route, without body) are handled by the session; the response's version and keep-alive follow
// the request.
//
// Thread safety: all work runs on the io_context given to listen(); stop() and the accessors
// may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "safemig/error.h"
#include "safemig/http/router.h"

namespace safemig::http {

struct ServerOptions {
  // Larger request bodies get 413. 0: the server takes no request body at all.
  std::size_t body_limit = std::size_t{32} * 1024 * 1024;
  // The bytes of request bodies held at once by all sessions, from the head of each request
  // until it has been served (a Content-Length is counted before the body is read; a chunked body
  // as it arrives). A request that would exceed it is answered 503 and its connection closed.
  // 0: no bound.
  std::size_t bodies_in_flight_limit = std::size_t{256} * 1024 * 1024;
  std::chrono::seconds read_timeout{30};   // For a request head and body.
  std::chrono::seconds idle_timeout{75};   // Between keep-alive requests.
  std::chrono::seconds write_timeout{30};  // For each write to the client.
  // Whether one thread runs the io_context. Sessions then run on the io_context's executor
  // directly; otherwise each session gets a strand, which costs a lock and an executor copy
  // per operation.
  bool single_threaded = false;
  // Called, on the session's thread, with the head of each request refused 413 because its body
  // is over body_limit (the body is not read), before the refusal is written. Optional.
  std::function<void(const Request& head, const RequestContext& context)> on_body_too_large;
  // Called likewise with the head of each request refused 503 because its body would take the
  // bodies in flight over bodies_in_flight_limit. Optional.
  std::function<void(const Request& head, const RequestContext& context)> on_bodies_over_budget;
};

// "127.0.0.1:8080", "[::1]:0", "localhost:9090" → host and port; invalid_input otherwise.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
Result<ListenAddress> parse_listen_address(std::string_view text);
// "HOST:PORT" as parse_listen_address reads it: an IPv6 host in brackets ("[::1]:8080").
std::string format_listen_address(const ListenAddress& address);

class Server {
 public:
  // Binds every address the host resolves to (`localhost`: 127.0.0.1 and ::1) on one port and
  // starts accepting. Port 0 picks a free port (see port()). An address the machine cannot bind
  // (no IPv6) is skipped with a warning. Errors: io naming the address when the port is in use on
  // one of them, or when none can be bound (not local).
  static Result<std::unique_ptr<Server>> listen(boost::asio::io_context& io,
                                                const ListenAddress& address,
                                                std::shared_ptr<const Router> router,
                                                ServerOptions options = {});
  virtual ~Server() = default;

  virtual std::uint16_t port() const = 0;
  // Stops accepting and closes connections waiting for a request; sessions finish the request
  // they are serving (answered with Connection: close), then close. Returns at once; the
  // io_context runs out of work when the last session ends. Idempotent.
  virtual void stop() = 0;
  // Requests being served right now.
  virtual std::size_t in_flight() const = 0;
};

}  // namespace safemig::http
