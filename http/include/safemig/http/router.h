// Router: maps a request to its handler.
//
// Two kinds of handlers:
//  - Handler: a pure function from request to response, tested without sockets (the metrics
//    server's API, /healthz, /metrics).
//  - StreamingHandler: a coroutine that writes the response itself through a ResponseChannel
//    (the proxy's forwarding, which relays SSE as it arrives).
// Resolution: a path with a "." or ".." segment (also percent-encoded) matches nothing and is
// answered 400, so that "/v1/../admin" can never pass as a "/v1/" path; else an exact path
// registered for the method; an exact path registered for other methods answers 405 with Allow;
// else the longest registered prefix; else 404 (JSON error).
//
// Thread safety: configure before serving; afterwards only const access (shared by sessions).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "safemig/error.h"
#include "safemig/http/message.h"

namespace safemig::http {

// Writes a response piece by piece. Implemented by the server session over the client socket,
// and by test doubles. Every write fails once the client has gone: aborted when the client read
// nothing for the server's write timeout (the server then closed the connection), io otherwise.
class ResponseChannel {
 public:
  virtual ~ResponseChannel() = default;
  // Sends a whole response.
  virtual boost::asio::awaitable<Result<void>> write_response(Response response) = 0;
  // Sends status and headers. Without Content-Length the body is sent chunked. With a
  // Content-Length and a body, the head may wait for the first write_body() to leave with it.
  virtual boost::asio::awaitable<Result<void>> write_head(bhttp::response_header<> head) = 0;
  // Sends part of the body (REQUIRES: write_head sent). Flushed to the socket before returning.
  virtual boost::asio::awaitable<Result<void>> write_body(std::string_view data) = 0;
  // Ends the body (the last chunk for chunked bodies).
  virtual boost::asio::awaitable<Result<void>> finish() = 0;

  // Watches the client's connection while the handler waits for something else, from before its
  // first write until stop_watching() (writes may go on meanwhile; stop before finish()):
  // `on_leave` is called, on the session's executor, if the client closes or resets the
  // connection before stop_watching(). Never after stop_watching(), nor once the client sent
  // more bytes (a pipelined request, which is not read here: leaving cannot be seen behind it).
  // It may be called before watch_client() returns, when the client had already left. One watch
  // per response; the base channel does not watch.
  // By value: a sink, which the overrides keep.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void watch_client(std::function<void()> /*on_leave*/) {}
  virtual void stop_watching() {}
};

// A Handler that throws is answered 500 (logged); the connection stays usable.
using Handler = std::function<Response(const Request&, const RequestContext&)>;
// A StreamingHandler answers through the channel. If it throws before writing anything the
// client gets a 500; if it returns (or throws) without completing its response — no write at
// all, or write_head without finish() — the server closes the connection, which is how a
// handler drops a client mid-response.
using StreamingHandler =
    std::function<boost::asio::awaitable<void>(Request, RequestContext, ResponseChannel&)>;

class Router {
 public:
  void add(bhttp::verb method, std::string path, Handler handler);
  // Any method, any path starting with `prefix`.
  void add_prefix(std::string prefix, StreamingHandler handler);

  struct Match {
    const Handler* handler = nullptr;             // Set for an exact route.
    const StreamingHandler* streaming = nullptr;  // Set for a prefix route.
    std::vector<bhttp::verb> allowed;  // Set (non-empty) when the path exists for other methods.
    bool dot_segment = false;          // The path has a "." or ".." segment: nothing matched.
  };
  // The route for `method` and `target` (the query string is ignored).
  Match resolve(bhttp::verb method, std::string_view target) const;

  // Answers a request that has an exact route, or the 400/404/405 error for one that has no
  // route at all. Pure: no I/O. (Prefix routes are run by the session.)
  Response respond(const Request& request, const RequestContext& context) const;

 private:
  // std::less<> finds a path given as a string_view without copying it.
  std::map<std::string, std::map<bhttp::verb, Handler>, std::less<>> exact_;
  std::vector<std::pair<std::string, StreamingHandler>> prefixes_;
};

}  // namespace safemig::http
