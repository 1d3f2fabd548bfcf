// A scripted upstream link (see scripted_upstream_link.h).
#include "support/mocks/scripted_upstream_link.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace safemig::testing {

namespace asio = boost::asio;
using proxy::Failure;
using proxy::UpstreamFailure;
using proxy::UpstreamResult;

namespace {

// What the real link reports when close() ends a pending operation: the socket's
// operation_aborted, which it classifies as a timeout.
UpstreamFailure closed_under(std::string_view what) {
  return {Failure::upstream_timeout, std::string(what) + ": Operation canceled", false};
}

UpstreamFailure timed_out(std::string_view what) {
  return {Failure::upstream_timeout, std::string(what) + ": timed out", false};
}

}  // namespace

ScriptedUpstreamLink::ScriptedUpstreamLink(LinkScript script, std::shared_ptr<LinkLog> log)
    : script_(std::move(script)), log_(std::move(log)) {}

asio::awaitable<UpstreamResult<void>> ScriptedUpstreamLink::send(
    std::string_view head, std::string_view body, std::chrono::milliseconds /*timeout*/) {
  log_->calls.emplace_back("send");
  log_->sent_head = head;
  log_->sent_body = body;
  if (script_.send_failure) co_return tl::make_unexpected(*script_.send_failure);
  co_return UpstreamResult<void>{};
}

asio::awaitable<UpstreamResult<void>> ScriptedUpstreamLink::read_head(
    bool /*head_request*/, std::chrono::milliseconds timeout) {
  log_->calls.emplace_back("read_head");
  if (log_->closed) co_return tl::make_unexpected(closed_under("reading the response head"));
  if (script_.silent_head) {
    const bool closed = co_await wait_silently(timeout);
    co_return tl::make_unexpected(closed ? closed_under("reading the response head")
                                         : timed_out("reading the response head"));
  }
  if (script_.head_failure) co_return tl::make_unexpected(*script_.head_failure);
  head_.result(script_.status);
  head_.version(11);
  for (const auto& [name, value] : script_.fields) head_.set(name, value);
  if (!script_.keep_alive) head_.set(http::bhttp::field::connection, "close");
  head_read_ = true;
  co_return UpstreamResult<void>{};
}

asio::awaitable<UpstreamResult<std::size_t>> ScriptedUpstreamLink::read_body(
    std::span<char> buffer, std::chrono::milliseconds timeout) {
  log_->calls.emplace_back("read_body");
  ++log_->body_reads;
  if (log_->closed) co_return tl::make_unexpected(closed_under("reading the response body"));
  BodyStep& step = script_.body.at(next_step_);
  if (step.silent) {
    const bool closed = co_await wait_silently(timeout);
    co_return tl::make_unexpected(closed ? closed_under("reading the response body")
                                         : timed_out("reading the response body"));
  }
  if (step.failure) {
    next_step_ = script_.body.size();
    co_return tl::make_unexpected(*step.failure);
  }
  const std::size_t n = std::min(buffer.size(), step.bytes.size());
  std::memcpy(buffer.data(), step.bytes.data(), n);
  step.bytes.erase(0, n);
  if (step.bytes.empty()) ++next_step_;
  co_return n;
}

bool ScriptedUpstreamLink::reusable() const {
  return !log_->closed && body_done() && script_.keep_alive;
}

void ScriptedUpstreamLink::close() {
  log_->calls.emplace_back("close");
  log_->closed = true;
  if (silence_) silence_->cancel();
}

asio::awaitable<bool> ScriptedUpstreamLink::wait_silently(std::chrono::milliseconds timeout) {
  silence_.emplace(co_await asio::this_coro::executor, timeout);
  co_await silence_->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return log_->closed;
}

}  // namespace safemig::testing
