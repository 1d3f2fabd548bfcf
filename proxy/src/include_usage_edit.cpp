// with_include_usage (see completion_json.h): asks the upstream for the usage chunk by editing
// the request body in place.
//
// The body is the client's, and the upstream must read it as the client wrote it. A parse and
// re-serialisation would not keep it: numbers change form (`0.1` becomes `1E-1`), integers past
// 64 bits become doubles, and duplicate keys collapse. So the body is validated with an event
// parser, then scanned for the few byte ranges to change, and every other byte is copied as it
// was.
//
// Thread safety: pure function.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "json_events.h"
#include "json_scan.h"
#include "safemig/proxy/completion_json.h"

namespace safemig::proxy {
namespace {

using boost::system::error_code;
using string_view = boost::json::string_view;

// Accepts every event: reading with it only checks that the text is one valid JSON document.
struct Validator : json_events::HandlerBase {
  bool take() const { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t, error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_key_part(string_view, std::size_t, error_code&) { return true; }
  bool on_key(string_view, std::size_t, error_code&) { return true; }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
};

// The functions below scan text already validated, where every token ends.

using json_scan::skip_spaces;
using json_scan::skip_string;
using json_scan::skip_value;

// One member of an object: its key as written (quotes included) and where its value lies.
struct Member {
  std::string_view key;
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
};

// The members of the object whose '{' is at s[open], in order.
std::vector<Member> members_of(std::string_view s, std::size_t open) {
  std::vector<Member> members;
  std::size_t i = skip_spaces(s, open + 1);
  while (i < s.size() && s[i] == '"') {
    Member m;
    const std::size_t key_end = skip_string(s, i);
    m.key = s.substr(i, key_end - i);
    m.value_begin = skip_spaces(s, skip_spaces(s, key_end) + 1);  // Past the ':'.
    m.value_end = skip_value(s, m.value_begin);
    members.push_back(m);
    i = skip_spaces(s, m.value_end);
    if (i < s.size() && s[i] == ',') i = skip_spaces(s, i + 1);
  }
  return members;
}

// Whether a key as written names `name`, escapes decoded (`"stream\u005foptions"` counts).
bool key_names(std::string_view key, std::string_view name) {
  const std::string_view inner = key.substr(1, key.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return inner == name;
  error_code ec;
  const boost::json::value decoded = boost::json::parse(key, ec);
  return !ec && decoded.is_string() && std::string_view(decoded.get_string()) == name;
}

// A replacement of s[begin, end).
struct Edit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string_view text;
};

// A member appended to the object that ends at s[close] == '}' and has `member_count` members.
void append_member(std::vector<Edit>& edits, std::size_t close, std::size_t member_count,
                   std::string_view with_comma, std::string_view alone) {
  edits.push_back({close, close, member_count > 0 ? with_comma : alone});
}

constexpr std::string_view kIncludeUsage = R"("include_usage":true)";
constexpr std::string_view kCommaIncludeUsage = R"(,"include_usage":true)";
constexpr std::string_view kOptions = R"({"include_usage":true})";
constexpr std::string_view kStreamOptions = R"("stream_options":{"include_usage":true})";
constexpr std::string_view kCommaStreamOptions = R"(,"stream_options":{"include_usage":true})";

// Sets include_usage in the `stream_options` value at s[begin, end); false when it is neither an
// object nor null.
bool edit_stream_options(std::string_view s, std::size_t begin, std::size_t end,
                         std::vector<Edit>& edits) {
  if (s[begin] == 'n') {
    edits.push_back({begin, end, kOptions});
    return true;
  }
  if (s[begin] != '{') return false;
  const std::vector<Member> options = members_of(s, begin);
  bool found = false;
  for (const Member& m : options) {
    if (!key_names(m.key, "include_usage")) continue;
    edits.push_back({m.value_begin, m.value_end, "true"});
    found = true;
  }
  if (!found) append_member(edits, end - 1, options.size(), kCommaIncludeUsage, kIncludeUsage);
  return true;
}

std::string apply(std::string_view s, std::vector<Edit>& edits) {
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::string out;
  std::size_t grows = 0;
  for (const Edit& e : edits) grows += e.text.size();
  out.reserve(s.size() + grows);
  std::size_t at = 0;
  for (const Edit& e : edits) {
    out.append(s.substr(at, e.begin - at));
    out.append(e.text);
    at = e.end;
  }
  out.append(s.substr(at));
  return out;
}

}  // namespace

std::optional<std::string> with_include_usage(std::string_view body) {
  if (!json_events::read<Validator>(body)) return std::nullopt;
  const std::size_t open = skip_spaces(body, 0);
  if (body[open] != '{') return std::nullopt;
  const std::size_t close = skip_value(body, open) - 1;

  // Every `stream_options` member is edited, so that an upstream that keeps the first of
  // duplicate keys reads the same as one that keeps the last.
  std::vector<Edit> edits;
  const std::vector<Member> top = members_of(body, open);
  bool found = false;
  for (const Member& m : top) {
    if (!key_names(m.key, "stream_options")) continue;
    if (!edit_stream_options(body, m.value_begin, m.value_end, edits)) return std::nullopt;
    found = true;
  }
  if (!found) append_member(edits, close, top.size(), kCommaStreamOptions, kStreamOptions);
  return apply(body, edits);
}

}  // namespace safemig::proxy
