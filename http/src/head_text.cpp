// Wire text of HTTP/1.x response heads (see head_text.h).
#include "safemig/http/head_text.h"

#include <string_view>

namespace safemig::http {

namespace {

namespace bhttp = boost::beast::http;

std::string_view view(boost::core::string_view s) { return {s.data(), s.size()}; }

// Room for "Name: value\r\n" of every field plus the blank line.
std::size_t fields_size(const bhttp::fields& fields) {
  std::size_t size = 2;
  for (const auto& field : fields) size += field.name_string().size() + field.value().size() + 4;
  return size;
}

void append_version(std::string& out, unsigned version) {
  out += "HTTP/";
  out += static_cast<char>('0' + (version / 10) % 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

void append_fields(std::string& out, const bhttp::fields& fields) {
  for (const auto& field : fields) {
    out += view(field.name_string());
    out += ": ";
    out += view(field.value());
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace

std::string head_text(const bhttp::response_header<>& head) {
  const std::string_view reason = view(head.reason());
  const unsigned status = head.result_int();
  std::string out;
  out.reserve(reason.size() + 15 + fields_size(head));
  append_version(out, head.version());
  out += ' ';
  out += static_cast<char>('0' + (status / 100) % 10);
  out += static_cast<char>('0' + (status / 10) % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  out += reason;
  out += "\r\n";
  append_fields(out, head);
  return out;
}

}  // namespace safemig::http
