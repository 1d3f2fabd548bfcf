// A scripted upstream (see scripted_upstream_pool.h).
#include "support/mocks/scripted_upstream_pool.h"

#include <gtest/gtest.h>

namespace safemig::testing {

using proxy::UpstreamFailure;
using proxy::UpstreamLink;
using proxy::UpstreamResult;

ScriptedUpstreamPool::ScriptedUpstreamPool(const std::string& url) {
  auto target = proxy::parse_upstream_url(url);
  if (target) {
    target_ = *target;
  } else {
    ADD_FAILURE() << "ScriptedUpstreamPool: " << target.error().message;
  }
}

std::shared_ptr<LinkLog> ScriptedUpstreamPool::add_link(LinkScript script) {
  auto log = std::make_shared<LinkLog>();
  script_.emplace_back(std::make_unique<ScriptedUpstreamLink>(std::move(script), log));
  return log;
}

void ScriptedUpstreamPool::add_connect_failure(UpstreamFailure failure) {
  script_.emplace_back(std::move(failure));
}

std::shared_ptr<LinkLog> ScriptedUpstreamPool::park_link(LinkScript script) {
  auto log = std::make_shared<LinkLog>();
  idle_.push_back(std::make_unique<ScriptedUpstreamLink>(std::move(script), log));
  return log;
}

std::unique_ptr<UpstreamLink> ScriptedUpstreamPool::take_idle() {
  while (!idle_.empty()) {
    std::unique_ptr<UpstreamLink> link = std::move(idle_.back());
    idle_.pop_back();
    if (link->looks_alive()) return link;
  }
  return nullptr;
}

boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamLink>>> ScriptedUpstreamPool::connect(
    boost::asio::any_io_executor /*executor*/) {
  ++connects_;
  if (script_.empty()) {
    co_return tl::make_unexpected(
        UpstreamFailure{proxy::Failure::upstream_unreachable, "no scripted link", false});
  }
  auto next = std::move(script_.front());
  script_.pop_front();
  if (auto* failure = std::get_if<UpstreamFailure>(&next)) co_return tl::make_unexpected(*failure);
  co_return std::move(std::get<std::unique_ptr<UpstreamLink>>(next));
}

void ScriptedUpstreamPool::give_back(std::unique_ptr<UpstreamLink> link) {
  ++given_back_;
  if (link && link->reusable()) idle_.push_back(std::move(link));
}

}  // namespace safemig::testing
