// The spill journal's line format (see record_json.h), over Boost.JSON. Boost.JSON is used only
// through its non-throwing interfaces; anything it throws regardless (allocation) is caught here.
//
// Thread safety: pure functions.
#include "record_json.h"

#include <boost/json.hpp>
#include <cmath>
#include <exception>
#include <optional>

namespace safemig::proxy::internal {
namespace json = boost::json;

namespace {

json::value optional_int(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value optional_real(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json::value(*v) : json::value(nullptr);
}
json::value optional_text(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object to_object(const dao::CompletionRequest& r) {
  json::object o;
  o.reserve(23);
  o.emplace("timestamp_ms", dao::to_epoch_ms(r.timestamp));
  o.emplace("request_id", r.request_id);
  o.emplace("success", r.success);
  o.emplace("status_code", optional_int(r.status_code));
  o.emplace("response_time_ms", r.response_time_ms);
  o.emplace("model", r.model);
  o.emplace("endpoint", r.endpoint);
  o.emplace("origin", optional_text(r.origin));
  o.emplace("upstream", optional_text(r.upstream));
  o.emplace("is_streaming", r.is_streaming);
  o.emplace("max_tokens", optional_int(r.max_tokens));
  o.emplace("temperature", optional_real(r.temperature));
  o.emplace("top_p", optional_real(r.top_p));
  o.emplace("message_count", optional_int(r.message_count));
  o.emplace("prompt_tokens", optional_int(r.prompt_tokens));
  o.emplace("completion_tokens", optional_int(r.completion_tokens));
  o.emplace("total_tokens", optional_int(r.total_tokens));
  o.emplace("finish_reason", optional_text(r.finish_reason));
  o.emplace("error_type", optional_text(r.error_type));
  o.emplace("error_message", optional_text(r.error_message));
  o.emplace("time_to_first_token_ms", optional_int(r.time_to_first_token_ms));
  o.emplace("time_to_last_token_ms", optional_int(r.time_to_last_token_ms));
  o.emplace("tokens_per_second", optional_real(r.tokens_per_second));
  return o;
}

// Reads fields of one object, remembering the first problem.
class FieldReader {
 public:
  explicit FieldReader(const json::object& o) : o_(o) {}

  std::optional<std::int64_t> opt_int(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v->get_uint64());
    }
    return wrong(key, "an integer");
  }
  std::optional<double> opt_real(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_number()) return wrong(key, "a number");
    boost::system::error_code ec;
    const double d = v->to_number<double>(ec);
    if (ec) return wrong(key, "a number");
    return d;
  }
  std::optional<std::string> opt_text(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) return wrong(key, "a string");
    return std::string(v->get_string());
  }
  std::optional<bool> opt_bool(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_bool()) return wrong(key, "true or false");
    return v->get_bool();
  }

  // The value of a required field; records a problem when it is absent.
  template <typename T>
  T required(std::string_view key, std::optional<T> v) {
    if (!v && !problem_) problem_ = "field \"" + std::string(key) + "\" is missing";
    return v.value_or(T{});
  }

  const std::optional<std::string>& problem() const { return problem_; }

 private:
  std::nullopt_t wrong(std::string_view key, const char* expected) {
    if (!problem_) problem_ = "field \"" + std::string(key) + "\" is not " + expected;
    return std::nullopt;
  }

  const json::object& o_;
  std::optional<std::string> problem_;
};

Result<dao::CompletionRequest> from_object(const json::object& o) {
  FieldReader f(o);
  dao::CompletionRequest r;
  r.timestamp = dao::from_epoch_ms(f.required("timestamp_ms", f.opt_int("timestamp_ms")));
  r.request_id = f.required("request_id", f.opt_text("request_id"));
  r.success = f.required("success", f.opt_bool("success"));
  r.status_code = f.opt_int("status_code");
  r.response_time_ms = f.required("response_time_ms", f.opt_int("response_time_ms"));
  r.model = f.required("model", f.opt_text("model"));
  r.origin = f.opt_text("origin");
  r.upstream = f.opt_text("upstream");
  r.is_streaming = f.required("is_streaming", f.opt_bool("is_streaming"));
  r.max_tokens = f.opt_int("max_tokens");
  r.temperature = f.opt_real("temperature");
  r.top_p = f.opt_real("top_p");
  r.message_count = f.opt_int("message_count");
  r.prompt_tokens = f.opt_int("prompt_tokens");
  r.completion_tokens = f.opt_int("completion_tokens");
  r.total_tokens = f.opt_int("total_tokens");
  r.finish_reason = f.opt_text("finish_reason");
  r.error_type = f.opt_text("error_type");
  r.error_message = f.opt_text("error_message");
  r.time_to_first_token_ms = f.opt_int("time_to_first_token_ms");
  r.time_to_last_token_ms = f.opt_int("time_to_last_token_ms");
  r.tokens_per_second = f.opt_real("tokens_per_second");
  // Journals written before endpoints were recorded hold chat and text completions only, told
  // apart as schema step v5 tells their rows apart: only a chat request has a message count.
  const std::optional<std::string> endpoint = f.opt_text("endpoint");
  r.endpoint = endpoint ? *endpoint : r.message_count ? "chat/completions" : "completions";
  if (f.problem()) return fail(ErrorCode::invalid_input, "journal record: " + *f.problem());
  return r;
}

}  // namespace

void append_record_line(const dao::CompletionRequest& record, std::string& out) {
  out += json::serialize(to_object(record));
  out += '\n';
}

Result<dao::CompletionRequest> parse_record_line(std::string_view line) {
  try {
    boost::system::error_code ec;
    const json::value v = json::parse(line, ec);
    if (ec) {
      return fail(ErrorCode::invalid_input, "journal line is not JSON: " + ec.message());
    }
    if (!v.is_object()) return fail(ErrorCode::invalid_input, "journal line is not an object");
    return from_object(v.get_object());
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, std::string("journal line could not be read: ") + e.what());
  }
}

}  // namespace safemig::proxy::internal
