// UpstreamConnection: one HTTP/1.1 connection to the upstream, over TCP or TLS (SNI and
// certificate verification against the system store), that sends a request and reads its
// response head and then its body piece by piece, as the bytes arrive.
//
// Every operation has a deadline; an operation that misses it fails with upstream_timeout and
// leaves the connection unusable. Errors are classified as a Failure (failure.h) with the
// low-level cause as detail.
//
// Thread safety: one coroutine at a time; all operations run on the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <tl/expected.hpp>

#include "safemig/http/message.h"
#include "safemig/proxy/failure.h"
#include "safemig/proxy/upstream_request.h"

namespace boost::asio::ssl {
class context;
}

namespace safemig::proxy {

struct UpstreamFailure {
  Failure failure = Failure::upstream_unreachable;
  std::string detail;  // The low-level cause ("Connection refused").
  // The connection was closed before any byte of a response arrived: on a reused keep-alive
  // connection, the upstream had closed it while idle and the request may be sent again.
  bool closed_before_response = false;
};

template <typename T>
using UpstreamResult = tl::expected<T, UpstreamFailure>;

class UpstreamConnection {
 public:
  // Resolves, connects and (for https) handshakes within `timeout`. `tls` is required for an
  // https target. Errors: upstream_unreachable (DNS, refused, TLS), upstream_timeout.
  static boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>> open(
      boost::asio::any_io_executor executor, const UpstreamTarget& target,
      boost::asio::ssl::context* tls, std::chrono::milliseconds timeout);

  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // Sends a request: `head` (wire text, see upstream_request_head) and `body`, in one write.
  // REQUIRES: no response pending.
  boost::asio::awaitable<UpstreamResult<void>> send(std::string_view head, std::string_view body,
                                                    std::chrono::milliseconds timeout);

  // Reads the final response head, passing over interim (1xx) responses before it.
  // `head_request`: the request was HEAD (the response has no body). Errors: upstream_timeout,
  // upstream_protocol (malformed, closed before the head, 101 Switching Protocols, or more than
  // 16 interim responses).
  boost::asio::awaitable<UpstreamResult<void>> read_head(bool head_request,
                                                         std::chrono::milliseconds timeout);

  // The response head. REQUIRES: read_head succeeded.
  const http::bhttp::response_header<>& head() const;

  // Reads the next piece of the body into `buffer` and returns its size, as soon as some body
  // bytes are available (0 is possible while framing is read). REQUIRES: read_head succeeded
  // and !body_done(). Errors: upstream_timeout, upstream_protocol (closed mid-body).
  boost::asio::awaitable<UpstreamResult<std::size_t>> read_body(std::span<char> buffer,
                                                                std::chrono::milliseconds timeout);

  // The whole response body has been read.
  bool body_done() const;
  // The response is complete and both sides allow another request on this connection.
  bool reusable() const;
  // True when the idle connection shows no sign of having been closed by the upstream (a
  // non-blocking peek finds neither end of stream nor stray bytes).
  bool looks_alive();
  // Closes the connection now (an abandoned response).
  void close();

  std::chrono::steady_clock::time_point idle_since;  // Set by the pool when it is parked.

 private:
  struct Impl;
  explicit UpstreamConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace safemig::proxy
