// StreamObserver: follows the events of a streamed chat or text completion, or of a streamed
// Responses API response, as they are relayed and keeps what the proxy records: the response id,
// the times of the first and the last token, the finish reason, the usage and an error reported
// inside the stream. A Responses stream reports usage in its response.completed event (or
// .incomplete / .failed, which also end it, as `data: [DONE]` ends a completion stream); its
// tokens are the non-empty output deltas (see responses_reader.h).
//
// When the proxy asked the upstream for usage on the client's behalf (`strip_usage_only`), the
// usage-only chunk (`choices: []` with a `usage` object) is observed but not relayed, and the
// `"usage": null` member the upstream then adds to every other chunk is cut out of it (every
// other byte kept), so the client sees exactly the stream it asked for.
//
// Thread safety: one thread per instance.
#pragma once

#include <chrono>
#include <optional>

#include "safemig/proxy/completion_json.h"
#include "safemig/proxy/recorded_endpoint.h"
#include "safemig/proxy/sse_parser.h"

namespace safemig::proxy {

struct StreamSummary {
  ResponseSummary response;  // id, usage, finish reason, in-stream error.
  std::optional<std::chrono::microseconds> first_token;  // Since the request started.
  std::optional<std::chrono::microseconds> last_token;
  bool done = false;  // `data: [DONE]` (a Responses stream: its final event) was seen.
};

class StreamObserver {
 public:
  // `strip_usage_only` applies to chat and text completion streams only.
  explicit StreamObserver(bool strip_usage_only, Endpoint endpoint = Endpoint::chat_completions)
      : strip_usage_only_(strip_usage_only), endpoint_(endpoint) {}

  // Takes in one event received `elapsed` after the request started. Returns true when the
  // event is to be relayed to the client (its `raw` possibly edited, see above), false when it
  // is the usage-only chunk to strip. Events that are not JSON (comments, keep-alives, [DONE])
  // are relayed untouched.
  bool observe(SseEvent& event, std::chrono::microseconds elapsed);

  const StreamSummary& summary() const { return summary_; }

 private:
  void observe_responses_event(const SseEvent& event, std::chrono::microseconds elapsed);

  bool strip_usage_only_;
  Endpoint endpoint_;
  StreamSummary summary_;
};

}  // namespace safemig::proxy
