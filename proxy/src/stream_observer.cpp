// Following a streamed completion event by event (see stream_observer.h).
//
// Thread safety: one thread per instance.
#include "safemig/proxy/stream_observer.h"

#include "response_reader.h"
#include "responses_reader.h"

namespace safemig::proxy {
namespace {

// Cuts `"usage": null` out of a single-line data event (multi-line data is left as it is).
void drop_null_usage(SseEvent& event) {
  const std::size_t at = event.raw.find(event.data);
  if (event.data.find('\n') != std::string::npos || at == std::string::npos) return;
  if (auto edited = without_null_usage(event.data)) {
    event.raw.replace(at, event.data.size(), *edited);
    event.data = std::move(*edited);
  }
}

}  // namespace

void StreamObserver::observe_responses_event(const SseEvent& event,
                                             std::chrono::microseconds elapsed) {
  const auto read = read_responses_json(event.data);
  if (!read) return;
  const ResponsesFacts& facts = *read;
  ResponseSummary& r = summary_.response;
  if (!r.id && facts.summary.id) r.id = facts.summary.id;
  if (!r.model && facts.summary.model) r.model = facts.summary.model;
  if (facts.summary.finish_reason) r.finish_reason = facts.summary.finish_reason;
  if (facts.summary.error.present() && !r.error.present()) r.error = facts.summary.error;
  if (facts.usage_is_object) {
    r.prompt_tokens = facts.summary.prompt_tokens;
    r.completion_tokens = facts.summary.completion_tokens;
    r.total_tokens = facts.summary.total_tokens;
  }
  if (facts.carries_token) {
    if (!summary_.first_token) summary_.first_token = elapsed;
    summary_.last_token = elapsed;
  }
  if (facts.terminal) summary_.done = true;
}

bool StreamObserver::observe(SseEvent& event, std::chrono::microseconds elapsed) {
  if (!event.has_data) return true;
  if (endpoint_ == Endpoint::responses) {
    observe_responses_event(event, elapsed);
    return true;
  }
  if (event.data == "[DONE]") {
    summary_.done = true;
    return true;
  }
  const auto read = read_completion(event.data);
  if (!read) return true;
  const CompletionFacts& facts = *read;

  ResponseSummary& r = summary_.response;
  if (!r.id && facts.summary.id) r.id = facts.summary.id;
  if (facts.summary.finish_reason) r.finish_reason = facts.summary.finish_reason;
  if (facts.summary.error.present() && !r.error.present()) r.error = facts.summary.error;
  if (strip_usage_only_ && facts.usage_is_null) drop_null_usage(event);
  if (facts.usage_is_object) {
    r.prompt_tokens = facts.summary.prompt_tokens;
    r.completion_tokens = facts.summary.completion_tokens;
    r.total_tokens = facts.summary.total_tokens;
  }
  if (facts.carries_token) {
    if (!summary_.first_token) summary_.first_token = elapsed;
    summary_.last_token = elapsed;
  }
  const bool usage_only = facts.usage_is_object && facts.choice_count == 0u;
  return !(strip_usage_only_ && usage_only);
}

}  // namespace safemig::proxy
