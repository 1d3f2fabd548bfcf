// List fields of HTTP (see header_list.h).
//
// Thread safety: pure functions.
#include "safemig/http/header_list.h"

namespace safemig::http {

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> list_elements(const boost::beast::http::fields& fields,
                                            boost::beast::http::field name) {
  std::vector<std::string_view> elements;
  for (const auto& field : fields) {
    if (field.name() != name) continue;
    std::string_view list(field.value().data(), field.value().size());
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view element = trim_ows(list.substr(0, comma));
      if (!element.empty()) elements.push_back(element);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return elements;
}

}  // namespace safemig::http
