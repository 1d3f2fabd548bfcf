// Reading and adjusting OpenAI-compatible completion bodies (see completion_json.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/completion_json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "json_fields.h"
#include "response_fields.h"

namespace safemig::proxy {
namespace {

namespace json = boost::json;
using json_fields::bool_at;
using json_fields::int_at;
using json_fields::number_at;
using json_fields::object_at;
using json_fields::string_at;

// Parses `body` as JSON; nullopt when it is not valid JSON.
std::optional<json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return std::nullopt;
  return value;
}

UpstreamError read_error(const json::object& object) {
  UpstreamError error;
  const json::value* e = object.if_contains("error");
  if (e == nullptr || e->is_null()) return error;
  if (const auto* text = e->if_string()) {
    error.message = std::string(text->data(), text->size());
    return error;
  }
  const json::object* eo = e->if_object();
  if (eo == nullptr) return error;
  error.type = string_at(*eo, "type");
  if (!error.type) {
    error.type = string_at(*eo, "code");
    if (!error.type) {
      if (const auto code = int_at(*eo, "code")) error.type = std::to_string(*code);
    }
  }
  error.message = string_at(*eo, "message");
  if (!error.present()) error.type = "upstream_error";
  return error;
}

}  // namespace

ResponseSummary summarize_response_object(const json::object& object) {
  ResponseSummary summary;
  summary.id = string_at(object, "id");
  if (const json::object* usage = object_at(object, "usage")) {
    summary.prompt_tokens = int_at(*usage, "prompt_tokens");
    summary.completion_tokens = int_at(*usage, "completion_tokens");
    summary.total_tokens = int_at(*usage, "total_tokens");
  }
  if (const json::value* choices = object.if_contains("choices")) {
    if (const json::array* list = choices->if_array()) {
      for (const json::value& choice : *list) {
        const json::object* c = choice.if_object();
        if (c == nullptr) continue;
        if (auto reason = string_at(*c, "finish_reason")) {
          summary.finish_reason = std::move(reason);
          break;
        }
      }
    }
  }
  summary.error = read_error(object);
  return summary;
}

RequestSummary summarize_request(std::string_view body) {
  RequestSummary summary;
  const auto value = parse_json(body);
  if (!value || !value->is_object()) return summary;
  const json::object& o = value->get_object();
  summary.model = string_at(o, "model");
  summary.max_tokens = int_at(o, "max_tokens");
  if (!summary.max_tokens) summary.max_tokens = int_at(o, "max_completion_tokens");
  summary.temperature = number_at(o, "temperature");
  summary.top_p = number_at(o, "top_p");
  if (const json::value* messages = o.if_contains("messages")) {
    if (const json::array* list = messages->if_array()) {
      summary.message_count = static_cast<std::int64_t>(list->size());
    }
  }
  summary.stream = bool_at(o, "stream").value_or(false);
  if (const json::object* options = object_at(o, "stream_options")) {
    summary.include_usage = bool_at(*options, "include_usage").value_or(false);
  }
  return summary;
}

std::optional<std::string> with_include_usage(std::string_view body) {
  auto value = parse_json(body);
  if (!value || !value->is_object()) return std::nullopt;
  json::object& o = value->get_object();
  json::value& options = o["stream_options"];
  if (options.is_null()) options = json::object();
  json::object* options_object = options.if_object();
  if (options_object == nullptr) return std::nullopt;
  (*options_object)["include_usage"] = true;
  return json::serialize(*value);
}

ResponseSummary summarize_response(std::string_view body) {
  const auto value = parse_json(body);
  if (!value || !value->is_object()) return {};
  return summarize_response_object(value->get_object());
}

}  // namespace safemig::proxy
