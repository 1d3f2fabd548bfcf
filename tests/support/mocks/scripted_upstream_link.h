// ScriptedUpstreamLink: an UpstreamLink (proxy/upstream.h) that plays a script — a send result,
// a response head or a failure, then body pieces, failures or silences — and logs what the
// forwarder did with it, for tests that break one exact step of a forwarded request.
//
// Thread safety: one io_context thread, as the real link.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "safemig/proxy/upstream.h"

namespace safemig::testing {

// One read_body() of the script.
struct BodyStep {
  std::string bytes;                              // The piece the read returns.
  std::optional<proxy::UpstreamFailure> failure;  // Else: the read fails so.
  // Else: the upstream is silent — the read waits until close() (failing at once, as a closed
  // socket does) or its timeout (upstream_timeout).
  bool silent = false;

  static BodyStep piece(std::string text) { return {std::move(text), std::nullopt, false}; }
  static BodyStep fails(proxy::UpstreamFailure f) { return {{}, std::move(f), false}; }
  static BodyStep silence() { return {{}, std::nullopt, true}; }
};

struct LinkScript {
  std::optional<proxy::UpstreamFailure> send_failure;  // send() fails so.
  std::optional<proxy::UpstreamFailure> head_failure;  // read_head() fails so.
  bool silent_head = false;  // read_head() waits as a silent BodyStep does.
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> fields;  // Of the response head.
  std::vector<BodyStep> body;
  bool keep_alive = true;
};

// What the forwarder did with a link; shared with the test, so it outlives the link.
struct LinkLog {
  std::vector<std::string> calls;  // "send", "read_head", "read_body", "close", in order.
  std::string sent_head;
  std::string sent_body;
  bool closed = false;
  std::size_t body_reads = 0;  // read_body() calls, the silent ones included.
};

class ScriptedUpstreamLink final : public proxy::UpstreamLink {
 public:
  ScriptedUpstreamLink(LinkScript script, std::shared_ptr<LinkLog> log);

  boost::asio::awaitable<proxy::UpstreamResult<void>> send(
      std::string_view head, std::string_view body, std::chrono::milliseconds timeout) override;
  boost::asio::awaitable<proxy::UpstreamResult<void>> read_head(
      bool head_request, std::chrono::milliseconds timeout) override;
  const http::bhttp::response_header<>& head() const override { return head_; }
  boost::asio::awaitable<proxy::UpstreamResult<std::size_t>> read_body(
      std::span<char> buffer, std::chrono::milliseconds timeout) override;
  bool body_done() const override { return head_read_ && next_step_ == script_.body.size(); }
  bool reusable() const override;
  bool looks_alive() override { return !log_->closed; }
  void close() override;

 private:
  // Waits until close() or `timeout`; returns whether close() ended the wait.
  boost::asio::awaitable<bool> wait_silently(std::chrono::milliseconds timeout);

  LinkScript script_;
  std::shared_ptr<LinkLog> log_;
  http::bhttp::response_header<> head_;
  bool head_read_ = false;
  std::size_t next_step_ = 0;
  std::optional<boost::asio::steady_timer> silence_;
};

}  // namespace safemig::testing
