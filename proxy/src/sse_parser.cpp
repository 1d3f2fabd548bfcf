// The incremental Server-Sent Events parser (see sse_parser.h).
//
// Thread safety: one thread per instance.
#include "safemig/proxy/sse_parser.h"

#include <cstring>
#include <utility>

namespace safemig::proxy {
namespace {

// The index of the first '\r' or '\n' in `bytes` at or after `from`, or npos. Two memchr scans
// (the second only up to the first '\n') instead of string_view::find_first_of, which tests
// each byte against the set with a call of its own: an event's bytes are scanned at memchr's
// speed.
std::size_t find_line_end(std::string_view bytes, std::size_t from) {
  const char* begin = bytes.data() + from;
  const std::size_t size = bytes.size() - from;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', size));
  const std::size_t before_lf = lf != nullptr ? static_cast<std::size_t>(lf - begin) : size;
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', before_lf));
  if (cr != nullptr) return from + static_cast<std::size_t>(cr - begin);
  if (lf != nullptr) return from + before_lf;
  return std::string_view::npos;
}

}  // namespace

void SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  for (std::size_t i = 0; i < bytes.size();) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes[i] == '\n') {
        // The '\n' of a "\r\n" whose '\r' already ended a line. It belongs to the raw bytes of
        // the event being received (the previous one may already have been dispatched).
        current_.raw.push_back('\n');
        line_start_ = current_.raw.size();
        ++i;
        continue;
      }
    }
    // Copy everything up to the next line terminator at once.
    const std::size_t end = find_line_end(bytes, i);
    if (end == std::string_view::npos) {
      current_.raw.append(bytes.substr(i));
      return;
    }
    current_.raw.append(bytes.substr(i, end - i));
    const std::string_view line =
        std::string_view(current_.raw).substr(line_start_, current_.raw.size() - line_start_);
    const bool blank = line.empty();
    if (!blank) take_line(line);
    current_.raw.push_back(bytes[end]);
    i = end + 1;
    if (bytes[end] == '\r') {
      // A "\r\n" stays whole in the event it ends when both bytes are at hand, so that a client
      // never gets an event without the last byte of its terminator. Only a '\r' that ends the
      // bytes fed leaves its '\n' to the next feed.
      if (i < bytes.size() && bytes[i] == '\n') {
        current_.raw.push_back('\n');
        ++i;
      } else {
        skip_lf_ = true;
      }
    }
    line_start_ = current_.raw.size();
    if (blank) dispatch(out);
  }
}

void SseParser::take_line(std::string_view line) {
  if (line.front() == ':') return;  // A comment.
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (current_.has_data) current_.data.push_back('\n');
    current_.data.append(value);
    current_.has_data = true;
  } else if (field == "event") {
    current_.event.assign(value);
  }
  // `id`, `retry` and unknown fields do not matter to the proxy.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  out.push_back(std::move(current_));
  current_ = SseEvent{};
  line_start_ = 0;
}

SseEvent SseParser::finish() {
  SseEvent rest = std::move(current_);
  current_ = SseEvent{};
  line_start_ = 0;
  skip_lf_ = false;
  return rest;
}

}  // namespace safemig::proxy
