// Reading and adjusting OpenAI-compatible completion bodies (see completion_json.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/completion_json.h"

#include "json_scan.h"
#include "response_reader.h"

namespace safemig::proxy {

using json_scan::skip_spaces;
using json_scan::skip_string;

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
