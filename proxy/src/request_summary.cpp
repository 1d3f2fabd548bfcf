// summarize_request (see completion_json.h): the recorded parameters of a completion request,
// read in one streaming pass over the body.
//
// A request body is mostly prompt text. Building a JSON tree would copy all of it to read a
// handful of top-level members, so the body goes through Boost.JSON's event parser instead, with
// a handler that keeps only those members and counts `messages` and `input` without looking
// inside them.
// The rules are those of a tree read: a body that is not valid JSON, or not an object, gives an
// empty summary; members of the wrong type are absent.
//
// Thread safety: pure function.
#include <limits>
#include <string>
#include <vector>

#include "json_events.h"
#include "safemig/proxy/completion_json.h"

namespace safemig::proxy {
namespace {

using boost::system::error_code;
using string_view = boost::json::string_view;

// What an open container is.
enum class RequestRole { top, stream_options, messages, input, other };

class RequestSummaryHandler : public json_events::NestingHandler<RequestRole> {
 public:
  // The summary, once the whole body parsed.
  RequestSummary take() {
    if (!top_is_object_) return {};
    summary_.max_tokens = max_tokens_              ? max_tokens_
                          : max_completion_tokens_ ? max_completion_tokens_
                                                   : max_output_tokens_;
    return std::move(summary_);
  }

  bool on_object_begin(error_code&) {
    value_started();
    Role role = Role::other;
    if (stack_.empty()) {
      role = Role::top;
      top_is_object_ = true;
    } else if (at_top() && key_is("stream_options")) {
      role = Role::stream_options;
      summary_.include_usage = false;
    }
    stack_.push_back(role);
    return true;
  }
  bool on_array_begin(error_code&) {
    value_started();
    Role role = Role::other;
    if (at_top() && key_is("messages")) {
      role = Role::messages;
      messages_ = 0;
    } else if (at_top() && key_is("input")) {
      role = Role::input;
      inputs_ = 0;
      input_numbers_ = 0;
    }
    stack_.push_back(role);
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    if (stack_.back() == Role::messages) summary_.message_count = messages_;
    if (stack_.back() == Role::input) {
      // An array of numbers is one tokenised input, not one input per token.
      summary_.input_count = inputs_ > 0 && input_numbers_ == inputs_ ? 1 : inputs_;
    }
    stack_.pop_back();
    return true;
  }

  bool on_string_part(string_view part, std::size_t, error_code&) {
    if (wants_text()) text_.part(part);
    return true;
  }
  bool on_string(string_view part, std::size_t, error_code&) {
    value_started();
    if (wants_text()) summary_.model = text_.last(part);
    if (at_top() && key_is("input")) summary_.input_count = 1;
    return true;
  }

  bool on_int64(std::int64_t value, string_view, error_code&) {
    number_started();
    on_integer(value);
    on_number(static_cast<double>(value));
    return true;
  }
  bool on_uint64(std::uint64_t value, string_view, error_code&) {
    number_started();
    if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      on_integer(static_cast<std::int64_t>(value));
    }
    on_number(static_cast<double>(value));
    return true;
  }
  bool on_double(double value, string_view, error_code&) {
    number_started();
    if (const auto integral = json_events::as_count(value)) on_integer(*integral);
    on_number(value);
    return true;
  }

  bool on_bool(bool value, error_code&) {
    value_started();
    if (at_top() && key_is("stream")) summary_.stream = value;
    if (in_stream_options() && key_is("include_usage")) summary_.include_usage = value;
    return true;
  }
  bool on_null(error_code&) {
    value_started();
    return true;
  }

 private:
  using Role = RequestRole;

  bool at_top() const { return stack_.size() == 1 && stack_.back() == Role::top; }
  bool key_is(std::string_view name) const { return key_.value() == name; }
  bool in_stream_options() const {
    return !stack_.empty() && stack_.back() == Role::stream_options;
  }
  // The string being read is the top-level `model`.
  bool wants_text() const { return at_top() && key_is("model"); }

  // Every value, scalar or container, counts once when it is an element of `messages` or
  // `input`.
  void value_started() {
    if (stack_.empty()) return;
    if (stack_.back() == Role::messages) ++messages_;
    if (stack_.back() == Role::input) ++inputs_;
  }
  void number_started() {
    value_started();
    if (!stack_.empty() && stack_.back() == Role::input) ++input_numbers_;
  }
  void on_integer(std::int64_t value) {
    if (!at_top()) return;
    if (key_is("max_tokens")) max_tokens_ = value;
    if (key_is("max_completion_tokens")) max_completion_tokens_ = value;
    if (key_is("max_output_tokens")) max_output_tokens_ = value;
  }
  void on_number(double value) {
    if (!at_top()) return;
    if (key_is("temperature")) summary_.temperature = value;
    if (key_is("top_p")) summary_.top_p = value;
  }

  RequestSummary summary_;
  std::optional<std::int64_t> max_tokens_;
  std::optional<std::int64_t> max_completion_tokens_;
  std::optional<std::int64_t> max_output_tokens_;
  bool top_is_object_ = false;
  json_events::Text text_;  // The `model` string.
  std::int64_t messages_ = 0;
  std::int64_t inputs_ = 0;
  std::int64_t input_numbers_ = 0;  // Elements of `input` that are numbers.
};

}  // namespace

RequestSummary summarize_request(std::string_view body) {
  return json_events::read<RequestSummaryHandler>(body).value_or(RequestSummary{});
}

}  // namespace safemig::proxy
