// Following a streamed completion event by event (see stream_observer.h).
//
// Thread safety: one thread per instance.
#include "safemig/proxy/stream_observer.h"

#include <boost/json/value.hpp>

#include "json_fields.h"
#include "response_fields.h"

namespace safemig::proxy {
namespace {

namespace json = boost::json;

bool non_empty_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() && !v->get_string().empty();
}

bool non_empty_array(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() && !v->get_array().empty();
}

// True when a choice of the chunk carries generated output: chat deltas (content, reasoning,
// refusal, tool calls, a function call) or the text of a text completion.
bool carries_token(const json::array& choices) {
  for (const json::value& choice : choices) {
    const json::object* c = choice.if_object();
    if (c == nullptr) continue;
    if (non_empty_string(*c, "text")) return true;
    const json::object* delta = json_fields::object_at(*c, "delta");
    if (delta == nullptr) continue;
    if (non_empty_string(*delta, "content") || non_empty_string(*delta, "reasoning_content") ||
        non_empty_string(*delta, "refusal") || non_empty_array(*delta, "tool_calls") ||
        json_fields::object_at(*delta, "function_call") != nullptr) {
      return true;
    }
  }
  return false;
}

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

bool StreamObserver::observe(SseEvent& event, std::chrono::microseconds elapsed) {
  if (!event.has_data) return true;
  if (event.data == "[DONE]") {
    summary_.done = true;
    return true;
  }
  json_fields::ScratchJson scratch;
  const json::object* parsed = scratch.parse_object(event.data);
  if (parsed == nullptr) return true;
  const json::object& chunk = *parsed;
  const ResponseSummary facts = summarize_response_object(chunk);

  ResponseSummary& r = summary_.response;
  if (!r.id && facts.id) r.id = facts.id;
  if (facts.finish_reason) r.finish_reason = facts.finish_reason;
  if (facts.error.present() && !r.error.present()) r.error = facts.error;
  const bool has_usage = json_fields::object_at(chunk, "usage") != nullptr;
  const json::value* usage_member = chunk.if_contains("usage");
  if (strip_usage_only_ && usage_member != nullptr && usage_member->is_null()) {
    drop_null_usage(event);
  }
  if (has_usage) {
    r.prompt_tokens = facts.prompt_tokens;
    r.completion_tokens = facts.completion_tokens;
    r.total_tokens = facts.total_tokens;
  }

  const json::value* choices = chunk.if_contains("choices");
  const json::array* list = choices != nullptr ? choices->if_array() : nullptr;
  if (list != nullptr && carries_token(*list)) {
    if (!summary_.first_token) summary_.first_token = elapsed;
    summary_.last_token = elapsed;
  }
  const bool usage_only = has_usage && list != nullptr && list->empty();
  return !(strip_usage_only_ && usage_only);
}

}  // namespace safemig::proxy
