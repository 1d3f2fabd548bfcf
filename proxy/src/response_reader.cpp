// read_completion (see response_reader.h): one pass of JSON events over a response body or a
// stream chunk, keeping the few members the proxy records.
//
// Thread safety: pure function.
#include "response_reader.h"

#include <limits>
#include <string>
#include <vector>

#include "json_events.h"

namespace safemig::proxy {
namespace {

using boost::system::error_code;
using string_view = boost::json::string_view;

// What an open container is.
enum class ResponseRole { top, usage, error, choices, choice, delta, tool_calls, other };

class CompletionHandler : public json_events::NestingHandler<ResponseRole> {
 public:
  // The facts, once the whole text parsed; nullopt when it was not an object.
  std::optional<CompletionFacts> take() {
    if (!top_is_object_) return std::nullopt;
    if (error_is_object_) finish_error();
    return std::move(facts_);
  }

  bool on_object_begin(error_code&) {
    const Slot slot = value_slot();
    Role role = Role::other;
    if (stack_.empty()) {
      role = Role::top;
      top_is_object_ = true;
    } else if (slot == Slot::usage) {
      role = Role::usage;
      facts_.usage_is_object = true;
    } else if (slot == Slot::error) {
      role = Role::error;
      error_is_object_ = true;
    } else if (slot == Slot::choice) {
      role = Role::choice;
    } else if (slot == Slot::delta) {
      role = Role::delta;
    } else if (slot == Slot::function_call) {
      facts_.carries_token = true;
    }
    stack_.push_back(role);
    return true;
  }
  bool on_array_begin(error_code&) {
    const Slot slot = value_slot();
    Role role = Role::other;
    if (slot == Slot::choices) role = Role::choices;
    if (slot == Slot::tool_calls) role = Role::tool_calls;
    stack_.push_back(role);
    return true;
  }
  bool on_array_end(std::size_t size, error_code&) {
    if (stack_.back() == Role::choices) facts_.choice_count = size;
    if (stack_.back() == Role::tool_calls && size > 0) facts_.carries_token = true;
    stack_.pop_back();
    return true;
  }

  bool on_key(string_view part, std::size_t, error_code&) {
    key_slot_ = slot_of(key_.last(part));
    return true;
  }

  bool on_string_part(string_view part, std::size_t, error_code&) {
    if (is_recorded_text(value_slot())) text_.part(part);
    return true;
  }
  bool on_string(string_view part, std::size_t size, error_code&) {
    const Slot slot = value_slot();
    ResponseSummary& s = facts_.summary;
    switch (slot) {
      case Slot::id:
        s.id = text_.last(part);
        break;
      case Slot::model:
        s.model = text_.last(part);
        break;
      case Slot::finish_reason:
        if (!s.finish_reason) s.finish_reason = text_.last(part);
        break;
      case Slot::error:
        s.error.message = text_.last(part);
        break;
      case Slot::error_type:
        error_type_ = text_.last(part);
        break;
      case Slot::error_code:
        error_code_ = text_.last(part);
        break;
      case Slot::error_message:
        s.error.message = text_.last(part);
        break;
      case Slot::token_text:
        if (size > 0) facts_.carries_token = true;
        break;
      default:
        break;
    }
    return true;
  }

  bool on_int64(std::int64_t value, string_view, error_code&) {
    on_integer(value);
    return true;
  }
  bool on_uint64(std::uint64_t value, string_view, error_code&) {
    if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      on_integer(static_cast<std::int64_t>(value));
    }
    return true;
  }
  bool on_double(double value, string_view, error_code&) {
    if (const auto count = json_events::as_count(value)) on_integer(*count);
    return true;
  }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) {
    if (value_slot() == Slot::usage) facts_.usage_is_null = true;
    return true;
  }

 private:
  using Role = ResponseRole;
  // What the value about to be read is.
  enum class Slot {
    id,
    model,
    usage,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    choices,
    choice,
    finish_reason,
    delta,
    token_text,  // `text` of a choice; `content`, `reasoning_content`, `refusal` of a delta.
    tool_calls,
    function_call,
    error,
    error_type,
    error_code,
    error_message,
    other
  };

  static bool is_recorded_text(Slot slot) {
    return slot == Slot::id || slot == Slot::model || slot == Slot::finish_reason ||
           slot == Slot::error || slot == Slot::error_type || slot == Slot::error_code ||
           slot == Slot::error_message;
  }

  // The slot of the member named `key` in the innermost open object.
  Slot slot_of(std::string_view key) const {
    switch (stack_.empty() ? Role::other : stack_.back()) {
      case Role::top:
        if (key == "id") return Slot::id;
        if (key == "model") return Slot::model;
        if (key == "usage") return Slot::usage;
        if (key == "choices") return Slot::choices;
        if (key == "error") return Slot::error;
        break;
      case Role::usage:
        if (key == "prompt_tokens") return Slot::prompt_tokens;
        if (key == "completion_tokens") return Slot::completion_tokens;
        if (key == "total_tokens") return Slot::total_tokens;
        break;
      case Role::choice:
        if (key == "finish_reason") return Slot::finish_reason;
        if (key == "text") return Slot::token_text;
        if (key == "delta") return Slot::delta;
        break;
      case Role::delta:
        if (key == "content" || key == "reasoning_content" || key == "refusal") {
          return Slot::token_text;
        }
        if (key == "tool_calls") return Slot::tool_calls;
        if (key == "function_call") return Slot::function_call;
        break;
      case Role::error:
        if (key == "type") return Slot::error_type;
        if (key == "code") return Slot::error_code;
        if (key == "message") return Slot::error_message;
        break;
      default:
        break;
    }
    return Slot::other;
  }

  // The slot of the next value: a member's comes from its key, an element of `choices` is a
  // choice, anything else is not read.
  Slot value_slot() const {
    if (stack_.empty()) return Slot::other;
    switch (stack_.back()) {
      case Role::top:
      case Role::usage:
      case Role::error:
      case Role::choice:
      case Role::delta:
        return key_slot_;
      case Role::choices:
        return Slot::choice;
      default:
        return Slot::other;
    }
  }

  void on_integer(std::int64_t value) {
    ResponseSummary& s = facts_.summary;
    switch (value_slot()) {
      case Slot::prompt_tokens:
        s.prompt_tokens = value;
        break;
      case Slot::completion_tokens:
        s.completion_tokens = value;
        break;
      case Slot::total_tokens:
        s.total_tokens = value;
        break;
      case Slot::error_code:
        error_number_ = value;
        break;
      default:
        break;
    }
  }

  // An `error` object names its class by `type`, else by `code` (text or number).
  void finish_error() {
    UpstreamError& error = facts_.summary.error;
    if (error_type_) {
      error.type = std::move(error_type_);
    } else if (error_code_) {
      error.type = std::move(error_code_);
    } else if (error_number_) {
      error.type = std::to_string(*error_number_);
    }
    if (!error.present()) error.type = "upstream_error";
  }

  CompletionFacts facts_;
  bool top_is_object_ = false;
  bool error_is_object_ = false;
  std::optional<std::string> error_type_;
  std::optional<std::string> error_code_;
  std::optional<std::int64_t> error_number_;
  Slot key_slot_ = Slot::other;
  json_events::Text text_;
};

}  // namespace

std::optional<CompletionFacts> read_completion(std::string_view json) {
  return json_events::read<CompletionHandler>(json).value_or(std::nullopt);
}

}  // namespace safemig::proxy
