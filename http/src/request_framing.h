// The request framing the server accepts beyond what Beast's parser checks (RFC 9112 §6), and
// the Host header every HTTP/1.1 request needs (RFC 9112 §3.2).
//
// Beast frames a request by chunked only when the last transfer coding is "chunked" and
// otherwise reads it as having no body, so "Transfer-Encoding: chunked, identity" would leave the
// body in the connection to be parsed as the next request (request smuggling behind any front
// proxy that frames it the other way). The server implements no transfer coding but chunked.
//
// Thread safety: pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <optional>
#include <string>

namespace safemig::http::detail {

struct FramingRefusal {
  boost::beast::http::status status;
  std::string message;  // What was wrong and what to send instead.
};

// Nothing for a request without Transfer-Encoding or with exactly "chunked" in HTTP/1.1.
// Otherwise: 400 when the codings do not end in one "chunked" (the length cannot be known) or
// the request is HTTP/1.0; 501 for a coding other than chunked.
std::optional<FramingRefusal> refuse_transfer_coding(const boost::beast::http::header<true>& head);

// 400 for an HTTP/1.1 request without a Host header, or any request with more than one
// (RFC 9112 §3.2: the server cannot know which authority the request is for); nothing otherwise.
// HTTP/1.0 requests may leave Host out.
std::optional<FramingRefusal> refuse_host(const boost::beast::http::header<true>& head);

}  // namespace safemig::http::detail
