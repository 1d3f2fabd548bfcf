// JSON text of a value (see json_text.h).
//
// Thread safety: pure function.
#include "safemig/http/json_text.h"

#include <array>
#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

#include "safemig/http/utf8.h"

namespace safemig::http {
namespace {

namespace json = boost::json;

template <typename Number>
void append_number(std::string& out, Number number) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  out.append(buffer.data(), result.ptr);
}

void append_string(std::string& out, json::string_view text) {
  const std::string_view view(text.data(), text.size());
  if (is_utf8(view)) {
    out += json::serialize(text);
  } else {
    out += json::serialize(json::string_view(valid_utf8(view)));
  }
}

void append_value(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      append_number(out, value.get_int64());
      break;
    case json::kind::uint64:
      append_number(out, value.get_uint64());
      break;
    case json::kind::double_:
      if (std::isfinite(value.get_double())) {
        const std::size_t start = out.size();
        append_number(out, value.get_double());
        // A whole number keeps a fraction, so that typed readers still see a floating-point
        // field ("800.0", not "800").
        if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
      } else {
        out += "null";
      }
      break;
    case json::kind::string:
      append_string(out, value.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_value(out, element);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const json::key_value_pair& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        append_string(out, member.key());
        out += ':';
        append_value(out, member.value());
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string json_text(const boost::json::value& value) {
  std::string out;
  append_value(out, value);
  return out;
}

}  // namespace safemig::http
