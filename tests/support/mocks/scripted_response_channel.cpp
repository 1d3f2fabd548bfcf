// A scripted response channel (see scripted_response_channel.h).
#include "support/mocks/scripted_response_channel.h"

#include <boost/asio/post.hpp>

namespace safemig::testing {

namespace asio = boost::asio;

ScriptedResponseChannel::~ScriptedResponseChannel() { stop_watching(); }

void ScriptedResponseChannel::fail_write(std::size_t n, ErrorCode code) {
  fail_from_ = n;
  fail_code_ = code;
}

void ScriptedResponseChannel::leave_after_write(std::size_t n) { leave_after_ = n; }

asio::awaitable<Result<void>> ScriptedResponseChannel::count_write() {
  ++writes;
  if (left) co_return fail(ErrorCode::io, "writing to the client: Broken pipe");
  if (fail_from_ && writes >= *fail_from_) {
    co_return fail(fail_code_, fail_code_ == ErrorCode::aborted
                                   ? "writing to the client: timed out"
                                   : "writing to the client: Connection reset by peer");
  }
  co_return Result<void>{};
}

void ScriptedResponseChannel::report_leaving() {
  if (watch_ == nullptr || !watch_->active) return;
  asio::post(executor_, [watch = watch_] {
    if (!watch->active) return;
    watch->active = false;
    watch->on_leave();
  });
}

asio::awaitable<Result<void>> ScriptedResponseChannel::write_response(http::Response r) {
  auto counted = co_await count_write();
  if (counted) response = std::move(r);
  co_return counted;
}

asio::awaitable<Result<void>> ScriptedResponseChannel::write_head(
    http::bhttp::response_header<> h) {
  auto counted = co_await count_write();
  if (!counted) co_return counted;
  head = std::move(h);
  if (leave_after_ && writes == *leave_after_) {
    left = true;
    report_leaving();
  }
  co_return counted;
}

asio::awaitable<Result<void>> ScriptedResponseChannel::write_body(std::string_view data) {
  auto counted = co_await count_write();
  if (!counted) co_return counted;
  body.append(data);
  if (leave_after_ && writes == *leave_after_) {
    left = true;
    report_leaving();
  }
  co_return counted;
}

asio::awaitable<Result<void>> ScriptedResponseChannel::finish() {
  auto counted = co_await count_write();
  if (counted) finished = true;
  co_return counted;
}

void ScriptedResponseChannel::watch_client(std::function<void()> on_leave) {
  watched = true;
  watch_ = std::make_shared<Watch>(Watch{std::move(on_leave), true});
  if (leave_after_ && *leave_after_ == 0) {
    left = true;
    report_leaving();
  } else if (left) {
    report_leaving();
  }
}

void ScriptedResponseChannel::stop_watching() {
  if (watch_ != nullptr) watch_->active = false;
  watch_.reset();
}

}  // namespace safemig::testing
