// Relay of an upstream response body to the client (see body_relay.h).
//
// Thread safety: the io_context's single thread.
#include "body_relay.h"

#include <boost/beast/core/string.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/proxy/completion_json.h"
#include "safemig/proxy/recorded_endpoint.h"
#include "safemig/proxy/sse_parser.h"
#include "safemig/proxy/stream_observer.h"

namespace safemig::proxy {

namespace bhttp = http::bhttp;
using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {

// A recorded non-streaming response is kept for parsing up to this size; larger bodies are
// relayed whole but recorded without usage.
constexpr std::size_t kCaptureLimit = std::size_t{16} * 1024 * 1024;

// Reads the next piece, counting the wait as upstream time.
boost::asio::awaitable<UpstreamResult<std::size_t>> read_piece(UpstreamLink& link,
                                                               ForwardedRequest& request,
                                                               const RelayReads& reads) {
  const auto t0 = Clock::now();
  auto piece = co_await link.read_body(reads.buffer, reads.timeout);
  request.upstream_time += duration_cast<microseconds>(Clock::now() - t0);
  co_return piece;
}

}  // namespace

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

boost::asio::awaitable<void> relay_body(UpstreamLink& link, ForwardedRequest& request,
                                        http::ResponseChannel& channel, RelayReads reads) {
  Exchange& x = request.exchange;
  const bool capture = request.recorded && is_identity_encoded(link.head());
  std::string captured;
  bool overflow = false;
  while (!link.body_done()) {
    const auto piece = co_await read_piece(link, request, reads);
    if (!piece) {
      request.fail(piece.error());
      co_return;
    }
    if (*piece == 0) continue;
    const std::string_view bytes(reads.buffer.data(), *piece);
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

boost::asio::awaitable<void> relay_events(UpstreamLink& link, ForwardedRequest& request,
                                          http::ResponseChannel& channel, RelayReads reads,
                                          bool strip_usage) {
  Exchange& x = request.exchange;
  SseParser parser;
  StreamObserver observer(strip_usage, x.endpoint);
  std::vector<SseEvent> events;
  std::string out;
  const auto keep_summary = [&] {
    x.response = observer.summary().response;
    x.first_token = observer.summary().first_token;
    x.last_token = observer.summary().last_token;
  };
  while (!link.body_done()) {
    const auto piece = co_await read_piece(link, request, reads);
    if (!piece) {
      request.fail(piece.error());
      keep_summary();
      co_return;
    }
    parser.feed(std::string_view(reads.buffer.data(), *piece), events);
    const microseconds at = request.elapsed();
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
