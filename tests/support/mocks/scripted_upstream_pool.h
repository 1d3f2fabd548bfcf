// ScriptedUpstreamPool: an Upstream (proxy/upstream.h) whose connect() results are scripted in
// order — a ScriptedUpstreamLink or a failure — and which parks what the forwarder gives back,
// for tests of the Forwarder without sockets.
//
// Thread safety: one io_context thread, as the real pool.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "safemig/proxy/upstream.h"
#include "support/mocks/scripted_upstream_link.h"

namespace safemig::testing {

class ScriptedUpstreamPool final : public proxy::Upstream {
 public:
  // `url`: the target the forwarder names in its records and messages.
  explicit ScriptedUpstreamPool(const std::string& url = "http://upstream.test");

  // The next connect() gives a link playing `script`; returns its log.
  std::shared_ptr<LinkLog> add_link(LinkScript script);
  // The next connect() fails with `failure`.
  void add_connect_failure(proxy::UpstreamFailure failure);
  // A link parked before any request: the next take_idle() returns it.
  std::shared_ptr<LinkLog> park_link(LinkScript script);

  std::size_t connects() const { return connects_; }
  std::size_t given_back() const { return given_back_; }
  std::size_t parked() const { return idle_.size(); }

  const proxy::UpstreamTarget& target() const override { return target_; }
  std::unique_ptr<proxy::UpstreamLink> take_idle() override;
  // A connect() past the script fails with upstream_unreachable "no scripted link".
  boost::asio::awaitable<proxy::UpstreamResult<std::unique_ptr<proxy::UpstreamLink>>> connect(
      boost::asio::any_io_executor executor) override;
  void give_back(std::unique_ptr<proxy::UpstreamLink> link) override;

 private:
  proxy::UpstreamTarget target_;
  std::deque<std::variant<std::unique_ptr<proxy::UpstreamLink>, proxy::UpstreamFailure>> script_;
  std::vector<std::unique_ptr<proxy::UpstreamLink>> idle_;
  std::size_t connects_ = 0;
  std::size_t given_back_ = 0;
};

}  // namespace safemig::testing
