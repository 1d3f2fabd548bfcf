// Finding the boundaries of JSON tokens in text, for edits that keep every other byte as it was.
//
// These functions do not validate: on text that is not JSON they find some boundary, or npos.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace safemig::proxy::json_scan {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline std::size_t skip_spaces(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// The index just past the string that starts at s[i] == '"', or npos when it does not end.
// Quotes are found with memchr (strings are most of a completion's bytes); a quote ends the
// string unless an odd number of backslashes precedes it.
inline std::size_t skip_string(std::string_view s, std::size_t i) {
  const std::size_t content = i + 1;
  for (std::size_t from = content; from < s.size();) {
    const auto* quote =
        static_cast<const char*>(std::memchr(s.data() + from, '"', s.size() - from));
    if (quote == nullptr) break;
    const auto at = static_cast<std::size_t>(quote - s.data());
    std::size_t backslashes = 0;
    while (at - backslashes > content && s[at - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return at + 1;
    from = at + 1;
  }
  return std::string_view::npos;
}

// The index just past the value that starts at s[i] (string, container or scalar), or npos when
// a string or container in it does not end.
inline std::size_t skip_value(std::string_view s, std::size_t i) {
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return std::string_view::npos;
  }
  while (i < s.size() && !is_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

}  // namespace safemig::proxy::json_scan
