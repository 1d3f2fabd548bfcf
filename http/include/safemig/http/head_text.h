// The head of an HTTP/1.x response (status line, header fields, blank line) as it goes on the
// wire.
//
// Beast's serializer produces the same bytes through a chain of buffer views built per message;
// a session sends one head per response, so the text is built directly into one string and
// leaves with the body in one gathered write.
//
// Thread safety: pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <string>

namespace safemig::http {

// "HTTP/1.1 200 OK\r\n" (the reason given, or the standard one) + "Name: value\r\n" per field,
// in order + "\r\n".
std::string head_text(const boost::beast::http::response_header<>& head);

}  // namespace safemig::http
