// Pretty printing of Boost.JSON values (see json_pretty.h).
//
// Thread safety: pure function.
#include "json_pretty.h"

#include <boost/json/serialize.hpp>

namespace safemig::schema::detail {
namespace {

constexpr std::size_t kInlineListWidth = 72;

bool is_scalar(const boost::json::value& v) { return !v.is_object() && !v.is_array(); }

bool is_scalar_list(const boost::json::value& v) {
  if (!v.is_array()) return false;
  for (const auto& item : v.get_array()) {
    if (!is_scalar(item)) return false;
  }
  return true;
}

std::string compact(const boost::json::value& v) {
  if (is_scalar(v)) return boost::json::serialize(v);
  std::string out;
  if (v.is_array()) {
    out = "[";
    for (const auto& item : v.get_array()) {
      if (out.size() > 1) out += ", ";
      out += compact(item);
    }
    return out + "]";
  }
  out = "{";
  for (const auto& member : v.get_object()) {
    if (out.size() > 1) out += ", ";
    out +=
        boost::json::serialize(boost::json::value(member.key())) + ": " + compact(member.value());
  }
  return out + "}";
}

bool stays_on_one_line(const boost::json::value& v, bool in_array) {
  if (is_scalar(v)) return true;
  if (v.is_array()) {
    if (v.get_array().empty()) return true;
    for (const auto& item : v.get_array()) {
      if (!is_scalar(item) && !is_scalar_list(item)) return false;
    }
    return compact(v).size() <= kInlineListWidth;
  }
  if (v.get_object().empty()) return true;
  if (!in_array) return false;
  for (const auto& member : v.get_object()) {
    if (!is_scalar(member.value()) && !is_scalar_list(member.value())) return false;
  }
  return true;
}

void write(const boost::json::value& v, bool in_array, const std::string& indent,
           std::string& out) {
  if (stays_on_one_line(v, in_array)) {
    out += compact(v);
    return;
  }
  const std::string inner = indent + "  ";
  bool first = true;
  if (v.is_array()) {
    out += "[\n";
    for (const auto& item : v.get_array()) {
      out += first ? "" : ",\n";
      first = false;
      out += inner;
      write(item, true, inner, out);
    }
    out += "\n" + indent + "]";
    return;
  }
  out += "{\n";
  for (const auto& member : v.get_object()) {
    out += first ? "" : ",\n";
    first = false;
    out += inner + boost::json::serialize(boost::json::value(member.key())) + ": ";
    write(member.value(), false, inner, out);
  }
  out += "\n" + indent + "}";
}

}  // namespace

std::string pretty_json(const boost::json::value& value) {
  std::string out;
  write(value, false, "", out);
  return out;
}

}  // namespace safemig::schema::detail
