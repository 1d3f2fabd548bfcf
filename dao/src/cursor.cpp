// The opaque keyset cursor: "<n|o><timestamp_ms hex>.<id hex>" (see cursor.h).
//
// Thread safety: pure functions.
#include "cursor.h"

#include <charconv>

namespace safemig::dao::internal {
namespace {

tl::unexpected<Error> malformed(std::string_view text) {
  return fail(ErrorCode::invalid_input,
              "invalid cursor '" + std::string(text.substr(0, 64)) +
                  "': expected the next_cursor value of a previous page, unchanged");
}

bool parse_hex(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > INT64_MAX) return false;
  out = static_cast<std::int64_t>(v);
  return true;
}

std::string hex(std::int64_t v) {
  char buffer[20];
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::uint64_t>(v), 16).ptr;
  return std::string(buffer, end);
}

}  // namespace

std::string encode_cursor(const CursorPosition& p) {
  return std::string(p.order == ListOrder::newest_first ? "n" : "o") + hex(p.timestamp_ms) + "." +
         hex(p.id);
}

Result<CursorPosition> decode_cursor(std::string_view text) {
  if (text.size() < 4) return malformed(text);
  CursorPosition p;
  if (text[0] == 'n') {
    p.order = ListOrder::newest_first;
  } else if (text[0] == 'o') {
    p.order = ListOrder::oldest_first;
  } else {
    return malformed(text);
  }
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return malformed(text);
  if (!parse_hex(text.substr(1, dot - 1), p.timestamp_ms) ||
      !parse_hex(text.substr(dot + 1), p.id)) {
    return malformed(text);
  }
  // Only the one text encode_cursor gives for a position: an edited cursor ("n01.2") is refused
  // rather than read as another.
  if (encode_cursor(p) != text) return malformed(text);
  return p;
}

}  // namespace safemig::dao::internal
