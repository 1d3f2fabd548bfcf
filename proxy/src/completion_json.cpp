// Reading and adjusting OpenAI-compatible completion bodies (see completion_json.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/completion_json.h"

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "response_reader.h"

namespace safemig::proxy {
namespace {

namespace json = boost::json;

// Parses one JSON text into memory it owns: the first kInlineBytes come from the object itself
// (a stack variable, in practice), and only bodies past that touch the heap; the values are
// released together, without walking them.
class ScratchJson {
 public:
  static constexpr std::size_t kInlineBytes = 8 * 1024;

  ScratchJson() : value_(json::storage_ptr(&memory_)) {}
  ScratchJson(const ScratchJson&) = delete;
  ScratchJson& operator=(const ScratchJson&) = delete;

  // The parsed text when it is a JSON object; nullptr otherwise (not JSON, or another type).
  // Valid until the next parse_object() or the end of this ScratchJson.
  json::object* parse_object(std::string_view text) {
    boost::system::error_code ec;
    value_ = json::parse(text, ec, &memory_);
    if (ec) return nullptr;
    return value_.if_object();
  }

 private:
  alignas(std::max_align_t) std::array<unsigned char, kInlineBytes> inline_{};
  json::monotonic_resource memory_{inline_.data(), inline_.size()};
  json::value value_;
};

}  // namespace

std::optional<std::string> with_include_usage(std::string_view body) {
  ScratchJson scratch;
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
  auto facts = read_completion(body);
  if (!facts) return {};
  return std::move(facts->summary);
}

}  // namespace safemig::proxy
