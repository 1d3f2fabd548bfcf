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
#include "safemig/proxy/upstream.h"
#include "safemig/proxy/upstream_request.h"

namespace safemig::proxy {

struct PoolOptions {
  std::size_t max_idle = 64;
  std::chrono::milliseconds idle_timeout{15000};
  std::chrono::milliseconds connect_timeout{10000};
};

class UpstreamPool final : public Upstream {
 public:
  // For https targets, builds the TLS context (TLS 1.2+, the system's trusted certificates).
  // Errors: internal when OpenSSL cannot be set up.
  static Result<std::unique_ptr<UpstreamPool>> create(UpstreamTarget target, PoolOptions options);
  ~UpstreamPool() override;
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // Upstream (see upstream.h). A new link is an UpstreamConnection.
  std::unique_ptr<UpstreamLink> take_idle() override;
  boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamLink>>> connect(
      boost::asio::any_io_executor executor) override;
  void give_back(std::unique_ptr<UpstreamLink> link) override;
  const UpstreamTarget& target() const override { return target_; }

  // Closes every parked connection (before the io_context they belong to goes away).
  void close_all() { idle_.clear(); }

  std::size_t idle_count() const { return idle_.size(); }

 private:
  struct Tls;
  UpstreamPool(UpstreamTarget target, PoolOptions options, std::unique_ptr<Tls> tls);

  UpstreamTarget target_;
  PoolOptions options_;
  std::unique_ptr<Tls> tls_;
  struct Parked {
    std::chrono::steady_clock::time_point since;
    std::unique_ptr<UpstreamLink> link;
  };
  std::vector<Parked> idle_;  // Oldest first.
};

}  // namespace safemig::proxy
