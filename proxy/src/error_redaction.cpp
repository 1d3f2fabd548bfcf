// Redaction of upstream error messages (see error_redaction.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/error_redaction.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>

#include "safemig/http/utf8.h"

namespace safemig::proxy {
namespace {

constexpr std::string_view kMarker = "[redacted]";
// A larger request body is matched as raw text: parsing it for its strings would hold the event
// loop for longer than the scan.
constexpr std::size_t kMaxParsedBodyBytes = std::size_t{1} << 20;
// Letters and digits in a row, mixing both, from this length on: a random token.
constexpr std::size_t kRandomRunBytes = 16;

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_token_char(char c) {
  return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '+' || c == '/' || c == '=' ||
         c == '*' || c == '~';
}
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The bytes of `message` to hide.
class Mask {
 public:
  explicit Mask(std::string_view message) : message_(message), hidden_(message.size(), false) {}

  void hide(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to && i < hidden_.size(); ++i) hidden_[i] = true;
  }

  // Hides every occurrence of `text`.
  void hide_occurrences(std::string_view text) {
    if (text.empty()) return;
    for (std::size_t at = message_.find(text); at != std::string_view::npos;
         at = message_.find(text, at + 1)) {
      hide(at, at + text.size());
    }
  }

  // The message with each hidden run, widened to whole UTF-8 sequences, replaced by kMarker.
  std::string apply() {
    const std::size_t n = message_.size();
    // A hidden continuation byte hides the bytes before it, back to its lead byte; a hidden
    // byte hides the continuation bytes after it.
    for (std::size_t i = n; i-- > 1;) {
      if (hidden_[i] && is_continuation(message_[i])) hidden_[i - 1] = true;
    }
    for (std::size_t i = 1; i < n; ++i) {
      if (hidden_[i - 1] && is_continuation(message_[i])) hidden_[i] = true;
    }
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n;) {
      if (!hidden_[i]) {
        out += message_[i++];
        continue;
      }
      while (i < n && hidden_[i]) ++i;
      out += kMarker;
    }
    return out;
  }

 private:
  std::string_view message_;
  std::vector<bool> hidden_;
};

// An 8-byte window of text, as a number: windows compare without hashing.
static_assert(kMinEchoBytes == sizeof(std::uint64_t));
std::uint64_t window_at(std::string_view text, std::size_t i) {
  std::uint64_t w = 0;
  std::memcpy(&w, text.data() + i, sizeof w);
  return w;
}

// The message's windows: a bitmap that rules most absent windows out with one bit test (the
// scan of a large request body costs a load, a multiply and a bit test per byte), and the
// sorted windows for the exact answer.
class WindowSet {
 public:
  explicit WindowSet(std::string_view message) : bits_(kBits / 64, 0) {
    for (std::size_t i = 0; i + kMinEchoBytes <= message.size(); ++i) {
      const std::uint64_t w = window_at(message, i);
      windows_.push_back(w);
      const std::uint64_t b = bit(w);
      bits_[b / 64] |= std::uint64_t{1} << (b % 64);
    }
    std::sort(windows_.begin(), windows_.end());
  }
  bool contains(std::uint64_t w) const {
    const std::uint64_t b = bit(w);
    if ((bits_[b / 64] & (std::uint64_t{1} << (b % 64))) == 0) return false;
    return std::binary_search(windows_.begin(), windows_.end(), w);
  }

 private:
  static constexpr std::size_t kBits = std::size_t{1} << 20;  // 128 KiB.
  static std::uint64_t bit(std::uint64_t w) { return (w * 0x9E3779B97F4A7C15ULL) >> 44; }
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> windows_;
};

// Hides every run of kMinEchoBytes or more bytes of the message that also occurs in one of
// `texts`: each kMinEchoBytes-byte window of the message found in a text is hidden, which covers
// every longer common run. O(message log message + texts).
void hide_echoes(std::string_view message, const std::vector<std::string_view>& texts, Mask& mask) {
  if (message.size() < kMinEchoBytes) return;
  const WindowSet windows(message);
  std::vector<std::uint64_t> echoed;
  for (const std::string_view text : texts) {
    for (std::size_t i = 0; i + kMinEchoBytes <= text.size(); ++i) {
      const std::uint64_t w = window_at(text, i);
      if (windows.contains(w)) echoed.push_back(w);
    }
  }
  if (echoed.empty()) return;
  std::sort(echoed.begin(), echoed.end());
  for (std::size_t i = 0; i + kMinEchoBytes <= message.size(); ++i) {
    if (std::binary_search(echoed.begin(), echoed.end(), window_at(message, i))) {
      mask.hide(i, i + kMinEchoBytes);
    }
  }
}

// Whether the token holds a run of kRandomRunBytes or more letters and digits mixing both.
bool looks_random(std::string_view token) {
  std::size_t run = 0;
  bool letter = false;
  bool digit = false;
  for (std::size_t i = 0; i <= token.size(); ++i) {
    if (i < token.size() && is_alnum(token[i])) {
      ++run;
      (is_digit(token[i]) ? digit : letter) = true;
      continue;
    }
    if (run >= kRandomRunBytes && letter && digit) return true;
    run = 0;
    letter = digit = false;
  }
  return false;
}

// Hides the key-shaped tokens of the message (see error_redaction.h).
void hide_key_shapes(std::string_view message, Mask& mask) {
  bool after_scheme = false;
  std::size_t i = 0;
  while (i < message.size()) {
    if (!is_token_char(message[i])) {
      if (message[i] != ' ') after_scheme = false;
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < message.size() && is_token_char(message[i])) ++i;
    const std::string_view token = message.substr(start, i - start);
    const std::size_t sk =
        token.find("sk-") != std::string_view::npos ? token.find("sk-") : token.find("sk_");
    const bool sk_at_boundary =
        sk != std::string_view::npos && (sk == 0 || !is_alnum(token[sk - 1]));
    if (after_scheme || token.find("***") != std::string_view::npos || looks_random(token)) {
      mask.hide(start, i);
    } else if (sk_at_boundary) {
      mask.hide(start + sk, i);
    }
    after_scheme = iequals(token, "bearer") || iequals(token, "basic");
  }
}

// Collects the strings of a JSON value, decoded and as JSON text, but those of `model`, `role`
// and `type` members: names the upstream's message may need to say what it refused.
void collect_strings(const boost::json::value& value, std::vector<std::string>& out) {
  if (const auto* s = value.if_string()) {
    out.emplace_back(s->data(), s->size());
    const std::string encoded = boost::json::serialize(value);
    // Without its quotes; only when escaping changed it.
    if (encoded.size() > s->size() + 2) out.push_back(encoded.substr(1, encoded.size() - 2));
  } else if (const auto* a = value.if_array()) {
    for (const auto& element : *a) collect_strings(element, out);
  } else if (const auto* o = value.if_object()) {
    for (const auto& member : *o) {
      const std::string_view key = member.key();
      if (key == "model" || key == "role" || key == "type") continue;
      collect_strings(member.value(), out);
    }
  }
}

// The request's strings (see collect_strings), or the raw body when it is not JSON or larger
// than kMaxParsedBodyBytes: matching the raw text hides more (member names too), never less.
std::optional<std::vector<std::string>> request_strings(std::string_view body) {
  if (body.size() > kMaxParsedBodyBytes) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec) return std::nullopt;
  std::vector<std::string> strings;
  collect_strings(parsed, strings);
  return strings;
}

}  // namespace

Result<ErrorMessages> parse_error_messages(std::string_view text) {
  if (text == "redacted") return ErrorMessages::redacted;
  if (text == "off") return ErrorMessages::off;
  return fail(ErrorCode::invalid_input, "invalid --error-messages value '" + std::string(text) +
                                            "': expected redacted or off");
}

std::vector<std::string> request_credentials(const http::Request& request) {
  std::vector<std::string> credentials;
  for (const std::string_view name : {"Authorization", "Api-Key", "X-Api-Key"}) {
    const auto [first, last] = request.equal_range(name);
    for (auto field = first; field != last; ++field) {
      const std::string_view value(field->value().data(), field->value().size());
      if (value.empty()) continue;
      credentials.emplace_back(value);
      const std::size_t space = value.find(' ');
      if (space == std::string_view::npos) continue;
      const std::size_t token = value.find_first_not_of(' ', space);
      if (token != std::string_view::npos) credentials.emplace_back(value.substr(token));
    }
  }
  return credentials;
}

std::string redact_error_text(std::string_view message, const std::vector<std::string>& credentials,
                              std::string_view body) {
  message = http::utf8_prefix(message, kMaxRedactedBytes);
  Mask mask(message);
  for (const std::string& credential : credentials) mask.hide_occurrences(credential);
  const std::optional<std::vector<std::string>> strings = request_strings(body);
  std::vector<std::string_view> texts;
  if (strings) {
    texts.assign(strings->begin(), strings->end());
  } else {
    texts.push_back(body);
  }
  texts.insert(texts.end(), credentials.begin(), credentials.end());
  hide_echoes(message, texts, mask);
  hide_key_shapes(message, mask);
  return mask.apply();
}

}  // namespace safemig::proxy
