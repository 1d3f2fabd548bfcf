// Reading and adjusting OpenAI-compatible completion bodies (see completion_json.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/completion_json.h"

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
  json_fields::ScratchJson scratch;
  const json::object* parsed = scratch.parse_object(body);
  if (parsed == nullptr) return summary;
  const json::object& o = *parsed;
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
  json_fields::ScratchJson scratch;
  json::object* parsed = scratch.parse_object(body);
  if (parsed == nullptr) return std::nullopt;
  json::object& o = *parsed;
  json::value& options = o["stream_options"];
  if (options.is_null()) options = json::object();
  json::object* options_object = options.if_object();
  if (options_object == nullptr) return std::nullopt;
  (*options_object)["include_usage"] = true;
  return json::serialize(o);
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_spaces(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// The index just past the JSON string starting at `i` (s[i] == '"'), or npos.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> without_null_usage(std::string_view text) {
  std::size_t i = skip_spaces(text, 0);
  if (i >= text.size() || text[i] != '{') return std::nullopt;
  int depth = 0;
  // Where the current top-level member begins, including its leading comma when it has one.
  std::size_t member_start = std::string_view::npos;
  bool first_member = true;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t end = skip_string(text, i);
      if (end == std::string_view::npos) return std::nullopt;
      if (depth == 1 && member_start != std::string_view::npos &&
          text.substr(i, end - i) == "\"usage\"") {
        std::size_t j = skip_spaces(text, end);
        if (j < text.size() && text[j] == ':') {
          j = skip_spaces(text, j + 1);
          if (text.substr(j, 4) == "null") {
            std::size_t k = j + 4;
            std::string out(text.substr(0, member_start));
            if (first_member) {
              // Remove the following comma instead of a preceding one.
              const std::size_t after = skip_spaces(text, k);
              if (after < text.size() && text[after] == ',') k = after + 1;
              out.append(text.substr(member_start, text.find('"', member_start) - member_start));
            }
            out.append(text.substr(k));
            return out;
          }
        }
      }
      i = end - 1;
      member_start = std::string_view::npos;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      if (depth == 1) member_start = i + 1;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      member_start = i;
      first_member = false;
    }
  }
  return std::nullopt;
}

ResponseSummary summarize_response(std::string_view body) {
  json_fields::ScratchJson scratch;
  const json::object* parsed = scratch.parse_object(body);
  if (parsed == nullptr) return {};
  return summarize_response_object(*parsed);
}

}  // namespace safemig::proxy
