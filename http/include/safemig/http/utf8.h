// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF): the
// check both services apply to what they read from clients, and the repair they apply to text
// they did not produce (values read from the database) before writing it as JSON or Prometheus
// text, both of which must be UTF-8.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace safemig::http {

// Whether `text` is well-formed UTF-8.
bool is_utf8(std::string_view text);

// `text` with every byte that does not belong to a well-formed sequence replaced by U+FFFD
// (the replacement character); `text` itself when it is well-formed.
std::string valid_utf8(std::string_view text);

// The longest prefix of well-formed `text` that has at most `max_bytes` bytes and does not end
// inside a multi-byte sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace safemig::http
