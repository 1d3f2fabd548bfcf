// Byte bounds of the text fields of a completion request (see text_bounds.h).
//
// Thread safety: pure functions.
#include "safemig/dao/text_bounds.h"

#include <cstdint>
#include <optional>

namespace safemig::dao {
namespace {

constexpr std::size_t kIdentityHexDigits = 16;

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence.
std::string_view character_prefix(std::string_view text, std::size_t max_bytes) {
  std::size_t end = max_bytes;
  while (end > 0 && end < text.size() && is_continuation_byte(text[end])) --end;
  return text.substr(0, end);
}

// FNV-1a, 64 bits: not cryptographic, only to keep distinct values apart.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kIdentityHexDigits, '0');
  for (std::size_t i = kIdentityHexDigits; i-- > 0; value >>= 4) out[i] = kDigits[value & 0xF];
  return out;
}

bool over(const std::string& text, std::size_t max_bytes) { return text.size() > max_bytes; }
bool over(const std::optional<std::string>& text, std::size_t max_bytes) {
  return text && text->size() > max_bytes;
}

void bound(std::string& text, std::size_t max_bytes) {
  if (over(text, max_bytes)) text = truncate_utf8(text, max_bytes);
}
void bound(std::optional<std::string>& text, std::size_t max_bytes) {
  if (text) bound(*text, max_bytes);
}

}  // namespace

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::string out(character_prefix(text, max_bytes - kTruncationMark.size()));
  out += kTruncationMark;
  return out;
}

std::string truncate_utf8_keeping_identity(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::string out(character_prefix(text, max_bytes - kTruncationMark.size() - kIdentityHexDigits));
  out += kTruncationMark;
  out += hex(fnv1a(text));
  return out;
}

bool exceeds_text_bounds(const CompletionRequest& r) {
  return over(r.model, kMaxModelBytes) || over(r.endpoint, kMaxEndpointBytes) ||
         over(r.origin, kMaxOriginBytes) || over(r.upstream, kMaxUpstreamBytes) ||
         over(r.request_id, kMaxRequestIdBytes) || over(r.finish_reason, kMaxFinishReasonBytes) ||
         over(r.error_type, kMaxErrorTypeBytes) || over(r.error_message, kMaxErrorMessageBytes);
}

void apply_text_bounds(CompletionRequest& r) {
  bound(r.model, kMaxModelBytes);
  bound(r.endpoint, kMaxEndpointBytes);
  bound(r.origin, kMaxOriginBytes);
  bound(r.upstream, kMaxUpstreamBytes);
  if (over(r.request_id, kMaxRequestIdBytes)) {
    r.request_id = truncate_utf8_keeping_identity(r.request_id, kMaxRequestIdBytes);
  }
  bound(r.finish_reason, kMaxFinishReasonBytes);
  bound(r.error_type, kMaxErrorTypeBytes);
  bound(r.error_message, kMaxErrorMessageBytes);
}

}  // namespace safemig::dao
