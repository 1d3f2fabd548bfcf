// Forwarding of /v1/* requests to the upstream (see forwarder.h).
//
// Thread safety: the io_context's single thread.
#include "safemig/proxy/forwarder.h"

#include <boost/asio/this_coro.hpp>
#include <memory>
#include <string_view>

#include "body_relay.h"
#include "forwarded_request.h"
#include "read_buffer_pool.h"
#include "safemig/proxy/completion_json.h"
#include "safemig/proxy/recorded_endpoint.h"
#include "safemig/proxy/upstream_request.h"

namespace safemig::proxy {

namespace asio = boost::asio;
namespace bhttp = http::bhttp;
using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {

// How long a request whose send failed waits for an answer the upstream may have sent first.
constexpr std::chrono::milliseconds kEarlyResponseWait{1000};

std::string_view path_of(const http::Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

// Watches the client's connection for as long as it lives (see ResponseChannel::watch_client):
// a client that leaves marks `forwarded` and closes its upstream link, which ends the pending
// upstream operation at once.
class ClientWatch {
 public:
  ClientWatch(http::ResponseChannel& channel, ForwardedRequest& forwarded) : channel_(channel) {
    channel_.watch_client([&forwarded] {
      forwarded.client_left = true;
      if (forwarded.upstream != nullptr) forwarded.upstream->close();
    });
  }
  ~ClientWatch() { stop(); }
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

  void stop() {
    if (!watching_) return;
    watching_ = false;
    channel_.stop_watching();
  }

 private:
  http::ResponseChannel& channel_;
  bool watching_ = true;
};

}  // namespace

Forwarder::Forwarder(Upstream& upstream, RecordSink sink, ProxyMetrics& metrics,
                     ForwarderOptions options)
    : upstream_(upstream),
      sink_(std::move(sink)),
      metrics_(metrics),
      options_(options),
      read_buffers_(std::make_unique<ReadBufferPool>()) {}

Forwarder::~Forwarder() = default;

asio::awaitable<void> Forwarder::handle(http::Request request, http::RequestContext context,
                                        http::ResponseChannel& channel) {
  const std::optional<Endpoint> endpoint = recorded_endpoint(request);
  const bool recorded = endpoint.has_value();
  ForwardedRequest forwarded(endpoint, sink_, metrics_, context.received_at, in_progress_);
  describe(forwarded, request, context);
  Exchange& x = forwarded.exchange;
  std::optional<std::string> body;
  bool strip_usage = false;
  if (recorded && usage_needs_stream_options(*endpoint) && x.request.stream &&
      !x.request.include_usage) {
    body = with_include_usage(request.body());
    strip_usage = body.has_value();
  }
  // The client's body is not read again: it moves to the upstream request.
  const std::string upstream_body = body ? std::move(*body) : std::move(request.body());
  const std::string upstream_head =
      upstream_request_head(request, upstream_.target(), upstream_body.size(), recorded);

  ClientWatch watch(channel, forwarded);
  auto started =
      co_await start_exchange(upstream_head, upstream_body, request.method() == bhttp::verb::head,
                              may_send_again(request), forwarded);
  if (!started) {
    forwarded.fail(started.error());
    watch.stop();
    if (x.failure != Failure::client_disconnect) {
      const Failure f = x.failure;
      const auto written = co_await channel.write_response(
          http::json_error(request, static_cast<bhttp::status>(failure_status(f)), failure_type(f),
                           failure_message(f, upstream_.target().url, x.failure_detail)));
      (void)written;  // A client gone by now changes nothing: the upstream failure is recorded.
    }
    forwarded.finish();
    co_return;
  }
  std::unique_ptr<UpstreamLink> link = std::move(*started);
  forwarded.upstream = link.get();
  co_await relay_response(*link, forwarded, channel, strip_usage);
  watch.stop();
  if (x.failure == Failure::none) {
    if (auto finished = co_await channel.finish(); !finished) {
      x.failure = client_write_failure(finished.error());
    }
  }
  forwarded.upstream = nullptr;
  if (x.failure == Failure::none) {
    upstream_.give_back(std::move(link));
  } else {
    link->close();
  }
  keep_error_text_private(forwarded, request, upstream_body);
  forwarded.finish();
}

asio::awaitable<void> Forwarder::relay_response(UpstreamLink& link, ForwardedRequest& forwarded,
                                                http::ResponseChannel& channel, bool strip_usage) {
  Exchange& x = forwarded.exchange;
  const bhttp::response_header<>& head = link.head();
  x.upstream_status = static_cast<int>(head.result_int());
  const bool events = forwarded.recorded && is_event_stream(head) && is_identity_encoded(head);
  const bool rewritten = events && strip_usage;  // The body changes: sent chunked.
  if (auto written = co_await channel.write_head(build_client_head(head, !rewritten)); !written) {
    x.failure = client_write_failure(written.error());
    co_return;
  }
  forwarded.head_sent = true;
  const ReadBufferPool::Buffer buffer(*read_buffers_);
  const RelayReads reads{buffer.span(), options_.upstream_timeout};
  if (events) {
    co_await relay_events(link, forwarded, channel, reads, strip_usage);
  } else {
    co_await relay_body(link, forwarded, channel, reads);
  }
}

void Forwarder::keep_error_text_private(ForwardedRequest& forwarded, const http::Request& request,
                                        std::string_view upstream_body) const {
  std::optional<std::string>& message = forwarded.exchange.response.error.message;
  if (!forwarded.recorded || !message) return;
  if (options_.error_messages == ErrorMessages::off) {
    message.reset();
    return;
  }
  *message = redact_error_text(*message, request_credentials(request), upstream_body);
}

std::size_t Forwarder::abort_all() {
  std::size_t aborted = 0;
  for (ForwardedRequest& forwarded : in_progress_) {
    if (forwarded.aborted) continue;
    forwarded.aborted = true;
    ++aborted;
    if (forwarded.upstream != nullptr) forwarded.upstream->close();
  }
  return aborted;
}

void Forwarder::refused(const http::Request& head, const http::RequestContext& context,
                        Failure failure) {
  ForwardedRequest forwarded(recorded_endpoint(head), sink_, metrics_, context.received_at,
                             in_progress_);
  describe(forwarded, head, context);
  forwarded.exchange.failure = failure;
  forwarded.finish();
}

void Forwarder::describe(ForwardedRequest& forwarded, const http::Request& request,
                         const http::RequestContext& context) {
  forwarded.path = std::string(path_of(request));
  Exchange& x = forwarded.exchange;
  x.started_at = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - (Clock::now() - context.received_at));
  x.upstream = upstream_.target().url;
  if (!forwarded.recorded) return;
  x.proxy_request_id = ids_.next();
  x.origin = request_origin(request, context.peer_address);
  x.request = summarize_request(request.body());
}

asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamLink>>> Forwarder::start_exchange(
    std::string_view head, std::string_view body, bool head_request, bool repeatable,
    ForwardedRequest& forwarded) {
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    if (forwarded.client_left) co_return tl::make_unexpected(client_left_failure(false));
    if (forwarded.aborted) co_return tl::make_unexpected(shutdown_failure());
    std::unique_ptr<UpstreamLink> link = upstream_.take_idle();
    const bool reused = link != nullptr;
    const auto t0 = Clock::now();
    if (!reused) {
      auto opened = co_await upstream_.connect(executor);
      if (!opened) {
        forwarded.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
        co_return tl::make_unexpected(std::move(opened).error());
      }
      link = std::move(*opened);
    }
    if (forwarded.client_left) {  // While the link was being opened.
      link->close();
      co_return tl::make_unexpected(client_left_failure(false));
    }
    forwarded.upstream = link.get();
    auto result = co_await link->send(head, body, options_.upstream_timeout);
    const bool sent = result.has_value();
    if (sent) {
      result = co_await link->read_head(head_request, options_.upstream_timeout);
    } else if (result.error().failure != Failure::upstream_timeout && !forwarded.client_left) {
      // An upstream may answer before it has read the whole request (a 413 for a body over its
      // limit) and close, which fails the rest of the send; that answer is the response
      // (RFC 9112 §9.5). Whatever it sent is already here or never comes.
      auto early = co_await link->read_head(
          head_request, std::min(kEarlyResponseWait, options_.upstream_timeout));
      if (early) result = std::move(early);
    }
    forwarded.upstream = nullptr;
    forwarded.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
    if (forwarded.client_left || forwarded.aborted) {  // The link was closed under the exchange.
      link->close();
      co_return tl::make_unexpected(forwarded.client_left ? client_left_failure(false)
                                                          : shutdown_failure());
    }
    if (result) co_return link;
    // A parked link the upstream had closed. When the send already failed, the upstream cannot
    // have read the whole request; once it was sent, only a repeatable one goes again.
    const bool again = reused && result.error().closed_before_response && (!sent || repeatable);
    if (again) continue;
    co_return tl::make_unexpected(std::move(result).error());
  }
}

}  // namespace safemig::proxy
