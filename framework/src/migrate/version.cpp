// Implements safemig/migrate/version.h.
#include "safemig/migrate/version.h"

#include <limits>

namespace safemig::migrate {

std::string version_text(Version version) {
  return version == kNoVersion ? std::string("none") : std::to_string(version);
}

std::optional<Version> parse_version_number(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  constexpr Version kMax = std::numeric_limits<Version>::max();
  Version value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<Version> text_order_key(std::string_view digits) {
  if (digits.empty() || digits.size() > kTextVersionDigits) return std::nullopt;
  // Preorder rank in the tree of digit strings: a string comes right after its prefix, and
  // before its next sibling by the whole subtree of strings that extend it.
  // subtree[d]: strings of length d..kTextVersionDigits that extend a given d-digit string.
  Version key = 0;
  Version subtree = 0;
  for (std::size_t d = kTextVersionDigits; d >= 1; --d) subtree = subtree * 10 + 1;
  // subtree now counts the extensions of a 1-digit string: 1 + 10 + ... + 10^17.
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    key += 1 + static_cast<Version>(c - '0') * subtree;
    subtree /= 10;
  }
  return key;
}

}  // namespace safemig::migrate
