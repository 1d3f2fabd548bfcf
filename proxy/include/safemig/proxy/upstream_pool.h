// UpstreamPool: the keep-alive connections to one upstream, reused across requests.
//
// A finished response whose connection may serve another request is parked (at most
// `max_idle` connections, each for at most `idle_timeout`); the next request takes the most
// recently parked one that still looks alive, or opens a new one.
//
// Thread safety: all calls on the io_context's single thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "safemig/error.h"
#include "safemig/proxy/upstream_connection.h"
#include "safemig/proxy/upstream_request.h"

namespace safemig::proxy {

struct PoolOptions {
  std::size_t max_idle = 64;
  std::chrono::milliseconds idle_timeout{15000};
  std::chrono::milliseconds connect_timeout{10000};
};

class UpstreamPool {
 public:
  // For https targets, builds the TLS context (TLS 1.2+, the system's trusted certificates).
  // Errors: internal when OpenSSL cannot be set up.
  static Result<std::unique_ptr<UpstreamPool>> create(UpstreamTarget target, PoolOptions options);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // A parked connection that looks alive, or nullptr when there is none.
  std::unique_ptr<UpstreamConnection> take_idle();
  // A new connection (see UpstreamConnection::open).
  boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>> connect(
      boost::asio::any_io_executor executor);
  // Parks `connection` when it is reusable and there is room; closes it otherwise.
  void give_back(std::unique_ptr<UpstreamConnection> connection);

  // Closes every parked connection (before the io_context they belong to goes away).
  void close_all() { idle_.clear(); }

  const UpstreamTarget& target() const { return target_; }
  std::size_t idle_count() const { return idle_.size(); }

 private:
  struct Tls;
  UpstreamPool(UpstreamTarget target, PoolOptions options, std::unique_ptr<Tls> tls);

  UpstreamTarget target_;
  PoolOptions options_;
  std::unique_ptr<Tls> tls_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;  // Oldest first.
};

}  // namespace safemig::proxy
