// Writing a whole buffer sequence to a TCP socket with as few passes through the event loop as
// the socket allows.
//
// Thread safety: as the socket's own operations (one writer at a time).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <cstddef>
#include <tuple>

namespace safemig::http {

// Writes all of `buffers` to `socket`; returns the error, if any, and the bytes written.
// `buffers` is taken by value, as a coroutine must: it refers to memory the caller keeps alive
// until the write completes.
//
// On a socket in non-blocking mode (socket.non_blocking(true), set before its first
// asynchronous operation so that it costs no extra system call), the first attempt is a direct
// send. When the send buffer takes everything, which is the usual case for a response head, a
// small body or an SSE event, the write completes there: no operation is queued and the caller
// does not wait for another pass of the event loop. What a full send buffer leaves, and every
// write on a blocking socket, goes through asio::async_write.
template <class ConstBufferSequence>
boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_all(
    boost::asio::ip::tcp::socket& socket, ConstBufferSequence buffers) {
  namespace asio = boost::asio;
  std::size_t written = 0;
  if (socket.non_blocking()) {
    boost::system::error_code ec;
    written = socket.write_some(buffers, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      written = 0;
    } else if (ec || written == asio::buffer_size(buffers)) {
      co_return std::tuple{ec, written};
    }
  }
  boost::beast::buffers_suffix<ConstBufferSequence> rest(buffers);
  rest.consume(written);
  const auto [ec, rest_written] =
      co_await asio::async_write(socket, rest, asio::as_tuple(asio::use_awaitable));
  co_return std::tuple{ec, written + rest_written};
}

}  // namespace safemig::http
