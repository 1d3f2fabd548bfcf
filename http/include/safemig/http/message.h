// The HTTP vocabulary both services share: Beast's request and response types, the context a
// handler gets, JSON replies and OpenAI-style error bodies.
//
// Thread safety: plain value types and pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace safemig::http {

namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// What a handler knows about the request besides the message itself.
struct RequestContext {
  std::string peer_address;                           // Client IP address, without the port.
  std::chrono::steady_clock::time_point received_at;  // When the request head was read.
};

// Rewrites a request whose target is in absolute form ("http://host:port/path?query", as a
// client configured to use a proxy sends it) to origin form ("/path?query"), with the target's
// authority as its Host header (RFC 9112 §3.2.2). Other requests are left as they are.
void to_origin_form(Request& request);

// A response with `body` as application/json, keep-alive and version taken from `request`.
Response json_response(const Request& request, bhttp::status status,
                       const boost::json::value& body);

// An OpenAI-style error: {"error": {"message": ..., "type": ..., "code": ...}}. `type` is a
// machine-readable class ("invalid_request_error", "upstream_timeout"); `message` says what was
// wrong and what was expected.
Response json_error(const Request& request, bhttp::status status, std::string_view type,
                    std::string_view message);

// A plain response with the given content type.
Response text_response(const Request& request, bhttp::status status, std::string_view content_type,
                       std::string body);

}  // namespace safemig::http
