// Parsing what a read buffer already holds, without I/O.
//
// Beast's asynchronous reads parse buffered bytes too, but a read that needs no I/O still
// completes through the event loop (a post per step), so a request that arrived whole costs a
// round through the scheduler for its head and another for its body. Sessions parse the buffer
// first and read from the socket only for what is missing.
//
// Thread safety: the caller's; touches only its arguments.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace safemig::http {

// Feeds `parser` the bytes `buffer` holds, consuming what it parsed, until the message is
// complete or the buffer has nothing more it can use. Returns the parser's error (body_limit,
// header_limit, a malformed message, need_buffer when its body buffer is full), or need_more when
// the message needs bytes not received yet.
template <bool isRequest>
boost::system::error_code parse_buffered(boost::beast::http::basic_parser<isRequest>& parser,
                                         boost::beast::flat_buffer& buffer) {
  boost::system::error_code ec;
  while (!parser.is_done() && buffer.size() > 0) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec) return ec;
    if (used == 0) break;
  }
  if (!parser.is_done()) ec = boost::beast::http::error::need_more;
  return ec;
}

}  // namespace safemig::http
