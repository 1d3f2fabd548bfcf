// The comma-separated list fields of HTTP (RFC 9110 §5.6.1): Connection, Transfer-Encoding, ….
//
// Thread safety: pure functions.
#pragma once

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <string_view>
#include <vector>

namespace safemig::http {

// `text` without the spaces and tabs (optional whitespace) around it.
std::string_view trim_ows(std::string_view text);

// Every element of every `name` field of `fields`, in order, trimmed; empty elements are
// skipped. The views point into `fields`.
std::vector<std::string_view> list_elements(const boost::beast::http::fields& fields,
                                            boost::beast::http::field name);

}  // namespace safemig::http
