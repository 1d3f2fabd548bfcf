// Keep-alive connections to one upstream (see upstream_pool.h).
//
// Thread safety: the io_context's single thread.
#include "safemig/proxy/upstream_pool.h"

#include "safemig/proxy/upstream_connection.h"

#include <boost/asio/ssl/context.hpp>
#include <exception>

namespace safemig::proxy {

namespace asio = boost::asio;

struct UpstreamPool::Tls {
  asio::ssl::context context{asio::ssl::context::tls_client};
};

Result<std::unique_ptr<UpstreamPool>> UpstreamPool::create(UpstreamTarget target,
                                                           PoolOptions options) {
  std::unique_ptr<Tls> tls;
  if (target.tls) {
    try {
      tls = std::make_unique<Tls>();
      tls->context.set_options(asio::ssl::context::default_workarounds |
                               asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                               asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      tls->context.set_default_verify_paths();
      tls->context.set_verify_mode(asio::ssl::verify_peer);
    } catch (const std::exception& e) {
      return fail(ErrorCode::internal,
                  std::string("cannot set up TLS for the upstream: ") + e.what());
    }
  }
  return std::unique_ptr<UpstreamPool>(
      new UpstreamPool(std::move(target), options, std::move(tls)));
}

UpstreamPool::UpstreamPool(UpstreamTarget target, PoolOptions options, std::unique_ptr<Tls> tls)
    : target_(std::move(target)), options_(options), tls_(std::move(tls)) {}

UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<UpstreamLink> UpstreamPool::take_idle() {
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    Parked parked = std::move(idle_.back());
    idle_.pop_back();
    if (now - parked.since < options_.idle_timeout && parked.link->looks_alive()) {
      return std::move(parked.link);
    }
  }
  return nullptr;
}

asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamLink>>> UpstreamPool::connect(
    asio::any_io_executor executor) {
  auto opened = co_await UpstreamConnection::open(
      std::move(executor), target_, tls_ ? &tls_->context : nullptr, options_.connect_timeout);
  if (!opened) co_return tl::make_unexpected(std::move(opened).error());
  co_return std::unique_ptr<UpstreamLink>(std::move(*opened));
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamLink> link) {
  if (!link || !link->reusable()) return;
  const auto now = std::chrono::steady_clock::now();
  // Drop parked links past their idle time first (they are the oldest).
  std::size_t expired = 0;
  while (expired < idle_.size() && now - idle_[expired].since >= options_.idle_timeout) {
    ++expired;
  }
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(expired));
  if (idle_.size() >= options_.max_idle) idle_.erase(idle_.begin());
  idle_.push_back(Parked{now, std::move(link)});
}

}  // namespace safemig::proxy
