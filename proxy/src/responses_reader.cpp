// read_responses_json (see responses_reader.h): one pass of JSON events over a Responses API
// body or stream event, keeping the few members the proxy records.
//
// Thread safety: pure function.
#include "responses_reader.h"

#include <array>
#include <limits>
#include <string>

#include "json_events.h"

namespace safemig::proxy {
namespace {

using boost::system::error_code;
using string_view = boost::json::string_view;

// What an open container is. `top` is the body or the event; `response` is the response object
// an event carries (the body is one itself, so both are read alike).
enum class ResponsesRole { top, response, usage, error, incomplete_details, other };

constexpr std::array<std::string_view, 3> kTokenEvents = {"response.output_text.delta",
                                                          "response.refusal.delta",
                                                          "response.function_call_arguments.delta"};
constexpr std::array<std::string_view, 3> kTerminalEvents = {
    "response.completed", "response.incomplete", "response.failed"};
constexpr std::array<std::string_view, 4> kFinalStatuses = {"completed", "incomplete", "failed",
                                                            "cancelled"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view value) {
  for (const std::string_view name : names) {
    if (name == value) return true;
  }
  return false;
}

class ResponsesHandler : public json_events::NestingHandler<ResponsesRole> {
 public:
  std::optional<ResponsesFacts> take() {
    if (!top_is_object_) return std::nullopt;
    ResponseSummary& s = facts_.summary;
    if (type_ == "error") {
      error_type_ = error_type_ ? error_type_ : event_code_;
      if (!s.error.message) s.error.message = event_message_;
      if (!error_type_) error_type_ = "stream_error";
    }
    if (error_type_) {
      s.error.type = std::move(error_type_);
    } else if (error_is_object_ && s.error.message) {
      s.error.type = "upstream_error";
    }
    if (status_ == "failed" && !s.error.present()) s.error.type = "response_failed";
    if (incomplete_reason_) {
      s.finish_reason = std::move(incomplete_reason_);
    } else if (status_ && one_of(kFinalStatuses, *status_)) {
      s.finish_reason = std::move(status_);
    }
    facts_.terminal = one_of(kTerminalEvents, type_);
    facts_.carries_token = delta_non_empty_ && one_of(kTokenEvents, type_);
    return std::move(facts_);
  }

  bool on_object_begin(error_code&) {
    Role role = Role::other;
    if (stack_.empty()) {
      role = Role::top;
      top_is_object_ = true;
    } else if (in_response_object() && key_is("usage")) {
      role = Role::usage;
      facts_.usage_is_object = true;
    } else if (in_response_object() && key_is("error")) {
      role = Role::error;
      error_is_object_ = true;
    } else if (in_response_object() && key_is("incomplete_details")) {
      role = Role::incomplete_details;
    } else if (at(Role::top) && key_is("response")) {
      role = Role::response;
    }
    stack_.push_back(role);
    return true;
  }
  bool on_array_begin(error_code&) {
    stack_.push_back(Role::other);
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    stack_.pop_back();
    return true;
  }

  bool on_string_part(string_view part, std::size_t, error_code&) {
    if (wants_text()) text_.part(part);
    return true;
  }
  bool on_string(string_view part, std::size_t size, error_code&) {
    if (at(Role::top) && key_is("delta")) delta_non_empty_ = size > 0;
    if (!wants_text()) return true;
    const std::string& text = text_.last(part);
    ResponseSummary& s = facts_.summary;
    if (at(Role::top) && key_is("type")) type_ = text;
    if (at(Role::top) && key_is("code")) event_code_ = text;
    if (at(Role::top) && key_is("message")) event_message_ = text;
    if (in_response_object() && key_is("id")) s.id = text;
    if (in_response_object() && key_is("model")) s.model = text;
    if (in_response_object() && key_is("status")) status_ = text;
    if (at(Role::error) && (key_is("code") || key_is("type"))) {
      if (!error_type_ || key_is("type")) error_type_ = text;
    }
    if (at(Role::error) && key_is("message")) s.error.message = text;
    if (at(Role::incomplete_details) && key_is("reason")) incomplete_reason_ = text;
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
  bool on_null(error_code&) { return true; }

 private:
  using Role = ResponsesRole;

  bool at(Role role) const { return !stack_.empty() && stack_.back() == role; }
  bool in_response_object() const { return at(Role::top) || at(Role::response); }
  bool key_is(std::string_view name) const { return key_.value() == name; }
  // The string being read is one the proxy keeps (never a delta, which is generated text).
  bool wants_text() const {
    if (at(Role::top) && (key_is("type") || key_is("code") || key_is("message") || key_is("id") ||
                          key_is("model") || key_is("status"))) {
      return true;
    }
    if (at(Role::response) && (key_is("id") || key_is("model") || key_is("status"))) return true;
    if (at(Role::error)) return key_is("code") || key_is("type") || key_is("message");
    return at(Role::incomplete_details) && key_is("reason");
  }

  void on_integer(std::int64_t value) {
    if (!at(Role::usage)) return;
    ResponseSummary& s = facts_.summary;
    if (key_is("input_tokens")) s.prompt_tokens = value;
    if (key_is("output_tokens")) s.completion_tokens = value;
    if (key_is("total_tokens")) s.total_tokens = value;
  }

  ResponsesFacts facts_;
  bool top_is_object_ = false;
  bool error_is_object_ = false;
  bool delta_non_empty_ = false;
  std::string type_;
  std::optional<std::string> status_;
  std::optional<std::string> incomplete_reason_;
  std::optional<std::string> error_type_;
  std::optional<std::string> event_code_;
  std::optional<std::string> event_message_;
  json_events::Text text_;
};

}  // namespace

std::optional<ResponsesFacts> read_responses_json(std::string_view json) {
  return json_events::read<ResponsesHandler>(json).value_or(std::nullopt);
}

ResponseSummary summarize_responses_body(std::string_view body) {
  auto facts = read_responses_json(body);
  if (!facts) return {};
  return std::move(facts->summary);
}

}  // namespace safemig::proxy
