// The upstream as the forwarder sees it: where a request's connection comes from (Upstream) and
// what one connection does (UpstreamLink). UpstreamPool and UpstreamConnection are the real
// ones; tests drive the Forwarder through scripted ones (tests/support/mocks/).
//
// Thread safety: one coroutine at a time per link; every call on the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "safemig/http/message.h"
#include "safemig/proxy/failure.h"
#include "safemig/proxy/upstream_request.h"

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

// One HTTP/1.1 connection to the upstream: sends a request, then reads its response head and its
// body piece by piece. Every operation has a deadline; one that misses it fails with
// upstream_timeout and leaves the link unusable.
class UpstreamLink {
 public:
  virtual ~UpstreamLink() = default;

  // Sends a request: `head` (wire text, see upstream_request_head) and `body`, in one write.
  // REQUIRES: no response pending. Errors: upstream_unreachable, upstream_timeout.
  virtual boost::asio::awaitable<UpstreamResult<void>> send(std::string_view head,
                                                            std::string_view body,
                                                            std::chrono::milliseconds timeout) = 0;

  // Reads the final response head, passing over interim (1xx) responses before it.
  // `head_request`: the request was HEAD (the response has no body). Errors: upstream_timeout,
  // upstream_protocol.
  virtual boost::asio::awaitable<UpstreamResult<void>> read_head(
      bool head_request, std::chrono::milliseconds timeout) = 0;

  // The response head. REQUIRES: read_head succeeded.
  virtual const http::bhttp::response_header<>& head() const = 0;

  // Reads the next piece of the body into `buffer` and returns its size, as soon as some body
  // bytes are available (0 is possible while framing is read). REQUIRES: read_head succeeded
  // and !body_done(). Errors: upstream_timeout, upstream_protocol (closed mid-body). A link
  // closed by close() while a read waits ends that read with an error at once.
  virtual boost::asio::awaitable<UpstreamResult<std::size_t>> read_body(
      std::span<char> buffer, std::chrono::milliseconds timeout) = 0;

  // The whole response body has been read.
  virtual bool body_done() const = 0;
  // The response is complete and both sides allow another request on this link.
  virtual bool reusable() const = 0;
  // True when the idle link shows no sign of having been closed by the upstream.
  virtual bool looks_alive() = 0;
  // Closes the link now (an abandoned response); the upstream sees the close.
  virtual void close() = 0;
};

// Where the links of one upstream come from, and where reusable ones are parked.
class Upstream {
 public:
  virtual ~Upstream() = default;

  virtual const UpstreamTarget& target() const = 0;
  // A parked link that looks alive, or nullptr when there is none.
  virtual std::unique_ptr<UpstreamLink> take_idle() = 0;
  // A new link. Errors: upstream_unreachable, upstream_timeout, proxy_overloaded.
  virtual boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamLink>>> connect(
      boost::asio::any_io_executor executor) = 0;
  // Parks `link` when it is reusable and there is room; closes it otherwise.
  virtual void give_back(std::unique_ptr<UpstreamLink> link) = 0;
};

}  // namespace safemig::proxy
