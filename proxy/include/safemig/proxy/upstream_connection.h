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

#include "safemig/proxy/upstream.h"
#include "safemig/proxy/upstream_request.h"

namespace boost::asio::ssl {
class context;
}

namespace safemig::proxy {

class UpstreamConnection final : public UpstreamLink {
 public:
  // Resolves, connects and (for https) handshakes within `timeout`. `tls` is required for an
  // https target. Errors: upstream_unreachable (DNS, refused, TLS), upstream_timeout.
  static boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>> open(
      boost::asio::any_io_executor executor, const UpstreamTarget& target,
      boost::asio::ssl::context* tls, std::chrono::milliseconds timeout);

  ~UpstreamConnection() override;
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // UpstreamLink (see upstream.h).
  boost::asio::awaitable<UpstreamResult<void>> send(std::string_view head, std::string_view body,
                                                    std::chrono::milliseconds timeout) override;
  // Also refuses 101 Switching Protocols and more than 16 interim responses (upstream_protocol).
  boost::asio::awaitable<UpstreamResult<void>> read_head(
      bool head_request, std::chrono::milliseconds timeout) override;
  const http::bhttp::response_header<>& head() const override;
  boost::asio::awaitable<UpstreamResult<std::size_t>> read_body(
      std::span<char> buffer, std::chrono::milliseconds timeout) override;
  bool body_done() const override;
  bool reusable() const override;
  // A non-blocking peek finds neither end of stream nor stray bytes.
  bool looks_alive() override;
  void close() override;

 private:
  struct Impl;
  explicit UpstreamConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace safemig::proxy
