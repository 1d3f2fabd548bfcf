// Forwarding of /v1/* requests to the upstream (see forwarder.h).
//
// Thread safety: the io_context's single thread.
#include "safemig/proxy/forwarder.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/string.hpp>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "safemig/proxy/completion_json.h"
#include "safemig/proxy/record_builder.h"
#include "safemig/proxy/recorded_endpoint.h"
#include "safemig/proxy/sse_parser.h"
#include "safemig/proxy/stream_observer.h"
#include "safemig/proxy/upstream_request.h"

namespace safemig::proxy {

namespace asio = boost::asio;
namespace bhttp = http::bhttp;
using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {

// Read buffers kept for reuse at most: enough for a burst of concurrent requests, 4 MiB.
constexpr std::size_t kMaxSparePieces = 256;
// A recorded non-streaming response is kept for parsing up to this size; larger bodies are
// relayed whole but recorded without usage.
constexpr std::size_t kCaptureLimit = std::size_t{16} * 1024 * 1024;
// How long a request whose send failed waits for an answer the upstream may have sent first.
constexpr std::chrono::milliseconds kEarlyResponseWait{1000};

// Why a write to the client failed: it read nothing for the write timeout (the channel's
// aborted), or it went away.
Failure client_write_failure(const Error& error) {
  return error.code == ErrorCode::aborted ? Failure::client_timeout : Failure::client_disconnect;
}

bool is_event_stream(const bhttp::response_header<>& head) {
  const auto type = head[bhttp::field::content_type];
  return type.size() >= 17 && boost::beast::iequals(type.substr(0, 17), "text/event-stream");
}

bool is_identity_encoded(const bhttp::response_header<>& head) {
  const auto encoding = head[bhttp::field::content_encoding];
  return encoding.empty() || boost::beast::iequals(encoding, "identity");
}

UpstreamFailure client_left() {
  return {Failure::client_disconnect, "the client closed its connection before the response",
          false};
}

UpstreamFailure shut_down() { return {Failure::shutdown, "ended by the shutdown timeout", false}; }

std::string_view path_of(const http::Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

}  // namespace

// The state of one forwarded request. Whatever way the request ends — including the coroutine
// being destroyed by a shutdown — finish() runs exactly once: the metrics are updated and, for a
// recorded request, its record is handed to the sink.
struct Forwarder::Relay : InProgressHook {
  // Joins `in_progress`, the forwarder's requests in progress, until destroyed.
  Relay(std::optional<Endpoint> recorded_as, const RecordSink& record_sink,
        ProxyMetrics& proxy_metrics, Clock::time_point received, InProgressList& in_progress)
      : recorded(recorded_as.has_value()),
        sink(record_sink),
        metrics(proxy_metrics),
        received_at(received) {
    if (recorded_as) exchange.endpoint = *recorded_as;
    in_progress.push_back(*this);
    metrics.request_started();
  }
  ~Relay() {
    if (finished) return;
    if (exchange.failure == Failure::none) exchange.failure = Failure::shutdown;
    finish();
  }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  microseconds elapsed() const { return duration_cast<microseconds>(Clock::now() - received_at); }

  void fail(const UpstreamFailure& error) {
    // When abort_all() closed the upstream connection, that is the cause of any failure.
    const UpstreamFailure& cause = aborted ? shut_down() : error;
    exchange.failure = cause.failure;
    exchange.failure_detail = cause.detail;
  }

  void finish() {
    finished = true;
    exchange.total = elapsed();
    metrics.request_finished(outcome_of(exchange.failure, exchange.upstream_status.value_or(0)),
                             exchange.total - upstream_time);
    if (exchange.failure != Failure::none && exchange.failure != Failure::client_disconnect) {
      spdlog::warn("forward {}: {} after {} ms ({})", path, failure_type(exchange.failure),
                   exchange.total.count() / 1000, exchange.failure_detail);
    }
    if (!recorded) return;
    dao::CompletionRequest record = build_record(exchange);
    spdlog::debug("recorded {} model={} status={} {} ms", path, record.model,
                  record.status_code.value_or(0), record.response_time_ms);
    sink(std::move(record));
  }

  const bool recorded;
  // The upstream connection in use. Closing it ends the exchange at once: the watch of the
  // client does so when the client leaves (client_left), abort_all() at the shutdown timeout
  // (aborted).
  UpstreamConnection* upstream = nullptr;
  bool client_left = false;
  bool aborted = false;
  const RecordSink& sink;
  ProxyMetrics& metrics;
  const Clock::time_point received_at;
  std::string path;
  Exchange exchange;
  microseconds upstream_time{0};
  bool finished = false;
};

// The buffer one request reads its upstream body into, taken from the forwarder's spares and
// given back when the request ends. A fresh 16 KiB block per request would take malloc's slow
// path for large blocks, which also merges its cache of small free blocks every time.
class Forwarder::Piece {
 public:
  explicit Piece(std::vector<std::unique_ptr<PieceBuffer>>& spares) : spares_(spares) {
    if (spares_.empty()) {
      // Left uninitialised: read_body() hands back only bytes it wrote.
      storage_ = std::make_unique_for_overwrite<PieceBuffer>();
    } else {
      storage_ = std::move(spares_.back());
      spares_.pop_back();
    }
  }
  ~Piece() {
    // The capacity is reserved up front, so giving back never allocates.
    if (spares_.size() < kMaxSparePieces) spares_.push_back(std::move(storage_));
  }
  Piece(const Piece&) = delete;
  Piece& operator=(const Piece&) = delete;

  std::span<char> span() const { return *storage_; }

 private:
  std::vector<std::unique_ptr<PieceBuffer>>& spares_;
  std::unique_ptr<PieceBuffer> storage_;
};

Forwarder::Forwarder(UpstreamPool& pool, RecordSink sink, ProxyMetrics& metrics,
                     ForwarderOptions options)
    : pool_(pool), sink_(std::move(sink)), metrics_(metrics), options_(options) {
  spare_pieces_.reserve(kMaxSparePieces);
}

Forwarder::~Forwarder() = default;

asio::awaitable<void> Forwarder::handle(http::Request request, http::RequestContext context,
                                        http::ResponseChannel& channel) {
  const std::optional<Endpoint> endpoint = recorded_endpoint(request);
  const bool recorded = endpoint.has_value();
  Relay relay(endpoint, sink_, metrics_, context.received_at, in_progress_);
  describe(relay, request, context);
  Exchange& x = relay.exchange;
  std::optional<std::string> body;
  bool strip_usage = false;
  if (recorded && usage_needs_stream_options(*endpoint)) {
    if (x.request.stream && !x.request.include_usage) {
      body = with_include_usage(request.body());
      strip_usage = body.has_value();
    }
  }
  // The client's body is not read again: it moves to the upstream request.
  const std::string upstream_body = body ? std::move(*body) : std::move(request.body());
  const std::string upstream_head =
      upstream_request_head(request, pool_.target(), upstream_body.size(), recorded);

  auto started = co_await start_watched_exchange(upstream_head, upstream_body,
                                                 request.method() == bhttp::verb::head,
                                                 may_send_again(request), relay, channel);
  if (!started && started.error().failure == Failure::client_disconnect) {
    relay.fail(started.error());
    relay.finish();
    co_return;
  }
  if (!started) {
    relay.fail(started.error());
    const Failure f = started.error().failure;
    const auto written = co_await channel.write_response(
        http::json_error(request, static_cast<bhttp::status>(failure_status(f)), failure_type(f),
                         failure_message(f, pool_.target().url, started.error().detail)));
    (void)written;  // A client gone by now changes nothing: the upstream failure is recorded.
    relay.finish();
    co_return;
  }
  std::unique_ptr<UpstreamConnection> connection = std::move(*started);
  relay.upstream = connection.get();
  const bhttp::response_header<>& head = connection->head();
  x.upstream_status = static_cast<int>(head.result_int());
  const bool events = recorded && is_event_stream(head) && is_identity_encoded(head);
  const bool rewritten = events && strip_usage;  // The body changes: sent chunked.
  if (auto written = co_await channel.write_head(build_client_head(head, !rewritten)); !written) {
    x.failure = client_write_failure(written.error());
  } else if (events) {
    co_await relay_events(*connection, relay, channel, strip_usage);
  } else {
    co_await relay_body(*connection, relay, channel);
  }
  if (x.failure == Failure::none) {
    if (auto finished = co_await channel.finish(); !finished) {
      x.failure = client_write_failure(finished.error());
    }
  }
  relay.upstream = nullptr;
  if (x.failure == Failure::none) {
    pool_.give_back(std::move(connection));
  } else {
    connection->close();
  }
  relay.finish();
}

std::size_t Forwarder::abort_all() {
  std::size_t aborted = 0;
  for (Relay& relay : in_progress_) {
    if (relay.aborted) continue;
    relay.aborted = true;
    ++aborted;
    if (relay.upstream != nullptr) relay.upstream->close();
  }
  return aborted;
}

void Forwarder::refused(const http::Request& head, const http::RequestContext& context,
                        Failure failure) {
  Relay relay(recorded_endpoint(head), sink_, metrics_, context.received_at, in_progress_);
  describe(relay, head, context);
  relay.exchange.failure = failure;
  relay.finish();
}

void Forwarder::describe(Relay& relay, const http::Request& request,
                         const http::RequestContext& context) {
  relay.path = std::string(path_of(request));
  Exchange& x = relay.exchange;
  x.started_at = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - (Clock::now() - context.received_at));
  x.upstream = pool_.target().url;
  if (!relay.recorded) return;
  x.proxy_request_id = ids_.next();
  x.origin = request_origin(request, context.peer_address);
  x.request = summarize_request(request.body());
}

asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>>
Forwarder::start_watched_exchange(std::string_view head, std::string_view body, bool head_request,
                                  bool repeatable, Relay& relay, http::ResponseChannel& channel) {
  channel.watch_client([&relay] {
    relay.client_left = true;
    if (relay.upstream != nullptr) relay.upstream->close();
  });
  auto started = co_await start_exchange(head, body, head_request, repeatable, relay);
  channel.stop_watching();
  co_return started;
}

asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>> Forwarder::start_exchange(
    std::string_view head, std::string_view body, bool head_request, bool repeatable,
    Relay& relay) {
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    if (relay.client_left) co_return tl::make_unexpected(client_left());
    if (relay.aborted) co_return tl::make_unexpected(shut_down());
    std::unique_ptr<UpstreamConnection> connection = pool_.take_idle();
    const bool reused = connection != nullptr;
    const auto t0 = Clock::now();
    if (!reused) {
      auto opened = co_await pool_.connect(executor);
      if (!opened) {
        relay.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
        co_return tl::make_unexpected(std::move(opened).error());
      }
      connection = std::move(*opened);
    }
    if (relay.client_left) {  // While the connection was being opened.
      connection->close();
      co_return tl::make_unexpected(client_left());
    }
    relay.upstream = connection.get();
    auto result = co_await connection->send(head, body, options_.upstream_timeout);
    const bool sent = result.has_value();
    if (sent) {
      result = co_await connection->read_head(head_request, options_.upstream_timeout);
    } else if (result.error().failure != Failure::upstream_timeout && !relay.client_left) {
      // An upstream may answer before it has read the whole request (a 413 for a body over its
      // limit) and close, which fails the rest of the send; that answer is the response
      // (RFC 9112 §9.5). Whatever it sent is already here or never comes.
      auto early = co_await connection->read_head(
          head_request, std::min(kEarlyResponseWait, options_.upstream_timeout));
      if (early) result = std::move(early);
    }
    relay.upstream = nullptr;
    relay.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
    if (relay.client_left || relay.aborted) {  // The connection was closed under the exchange.
      connection->close();
      co_return tl::make_unexpected(relay.client_left ? client_left() : shut_down());
    }
    if (result) co_return connection;
    // A parked connection the upstream had closed. When the send already failed, the upstream
    // cannot have read the whole request; once it was sent, only a repeatable one goes again.
    const bool again = reused && result.error().closed_before_response && (!sent || repeatable);
    if (again) continue;
    co_return tl::make_unexpected(std::move(result).error());
  }
}

asio::awaitable<void> Forwarder::relay_body(UpstreamConnection& connection, Relay& relay,
                                            http::ResponseChannel& channel) {
  Exchange& x = relay.exchange;
  const bool capture = relay.recorded && is_identity_encoded(connection.head());
  std::string captured;
  bool overflow = false;
  const Piece storage(spare_pieces_);
  const std::span<char> buffer = storage.span();
  while (!connection.body_done()) {
    const auto t0 = Clock::now();
    const auto piece = co_await connection.read_body(buffer, options_.upstream_timeout);
    relay.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
    if (!piece) {
      relay.fail(piece.error());
      co_return;
    }
    if (*piece == 0) continue;
    const std::string_view bytes(buffer.data(), *piece);
    if (capture && !overflow) {
      if (captured.size() + bytes.size() <= kCaptureLimit) {
        captured.append(bytes);
      } else {
        overflow = true;
        captured.clear();
      }
    }
    if (auto written = co_await channel.write_body(bytes); !written) {
      x.failure = client_write_failure(written.error());
      co_return;
    }
  }
  if (capture && !overflow) {
    x.response = x.endpoint == Endpoint::responses ? summarize_responses_body(captured)
                                                   : summarize_response(captured);
  }
}

asio::awaitable<void> Forwarder::relay_events(UpstreamConnection& connection, Relay& relay,
                                              http::ResponseChannel& channel, bool strip_usage) {
  Exchange& x = relay.exchange;
  SseParser parser;
  StreamObserver observer(strip_usage, x.endpoint);
  std::vector<SseEvent> events;
  std::string out;
  const Piece storage(spare_pieces_);
  const std::span<char> buffer = storage.span();
  // Whatever happens, the record gets what the stream showed so far (partial timings).
  const auto keep_summary = [&] {
    x.response = observer.summary().response;
    x.first_token = observer.summary().first_token;
    x.last_token = observer.summary().last_token;
  };
  while (!connection.body_done()) {
    const auto t0 = Clock::now();
    const auto piece = co_await connection.read_body(buffer, options_.upstream_timeout);
    relay.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
    if (!piece) {
      relay.fail(piece.error());
      keep_summary();
      co_return;
    }
    parser.feed(std::string_view(buffer.data(), *piece), events);
    const microseconds at = relay.elapsed();
    out.clear();
    for (SseEvent& event : events) {
      if (observer.observe(event, at)) out += event.raw;
    }
    events.clear();
    if (!out.empty()) {
      if (auto written = co_await channel.write_body(out); !written) {
        x.failure = client_write_failure(written.error());
        keep_summary();
        co_return;
      }
    }
  }
  const SseEvent rest = parser.finish();
  if (!rest.raw.empty()) {
    if (auto written = co_await channel.write_body(rest.raw); !written) {
      x.failure = client_write_failure(written.error());
    }
  }
  keep_summary();
  x.stream_incomplete = !observer.summary().done && !observer.summary().response.finish_reason;
}

}  // namespace safemig::proxy
