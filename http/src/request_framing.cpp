// The transfer codings a request may use and its Host header (see request_framing.h).
//
// Thread safety: pure functions.
#include "request_framing.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/http/header_list.h"

namespace safemig::http::detail {
namespace {

namespace bhttp = boost::beast::http;

bool is_chunked(std::string_view coding) { return boost::beast::iequals(coding, "chunked"); }

}  // namespace

std::optional<FramingRefusal> refuse_transfer_coding(const bhttp::header<true>& head) {
  if (head.find(bhttp::field::transfer_encoding) == head.end()) return std::nullopt;
  const std::vector<std::string_view> codings =
      list_elements(head, bhttp::field::transfer_encoding);
  if (head.version() < 11) {
    return FramingRefusal{bhttp::status::bad_request,
                          "an HTTP/1.0 request cannot use Transfer-Encoding; send its body with "
                          "Content-Length"};
  }
  if (codings.empty() || !is_chunked(codings.back())) {
    return FramingRefusal{bhttp::status::bad_request,
                          "the request's Transfer-Encoding does not end in chunked, so where its "
                          "body ends cannot be known; send it with Content-Length or chunked"};
  }
  const std::span<const std::string_view> before_last(codings.data(), codings.size() - 1);
  if (std::any_of(before_last.begin(), before_last.end(), is_chunked)) {
    return FramingRefusal{bhttp::status::bad_request,
                          "the request's Transfer-Encoding applies chunked more than once; send "
                          "it as chunked once"};
  }
  if (!before_last.empty()) {
    return FramingRefusal{bhttp::status::not_implemented,
                          "the transfer coding '" + std::string(before_last.front()) +
                              "' is not implemented; send the body with Content-Length or "
                              "chunked only"};
  }
  return std::nullopt;
}

std::optional<FramingRefusal> refuse_host(const bhttp::header<true>& head) {
  const auto hosts = head.count(bhttp::field::host);
  if (hosts > 1) {
    return FramingRefusal{bhttp::status::bad_request,
                          "the request has " + std::to_string(hosts) +
                              " Host headers; send exactly one, naming the server"};
  }
  if (hosts == 0 && head.version() >= 11) {
    return FramingRefusal{bhttp::status::bad_request,
                          "an HTTP/1.1 request needs a Host header (RFC 9112 section 3.2); send "
                          "Host: with the server's name and port"};
  }
  return std::nullopt;
}

}  // namespace safemig::http::detail
