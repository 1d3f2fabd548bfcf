// Test helper: a blocking HTTP/1.1 client on one loopback connection (Beast, synchronous).
//
// Thread safety: one thread per Client.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <string_view>

#include "safemig/http/message.h"

namespace safemig::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// A blocking HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(std::uint16_t port)
      : Client(tcp::endpoint(asio::ip::address_v4::loopback(), port)) {}
  explicit Client(const tcp::endpoint& server) : socket_(io_) { socket_.connect(server); }

  // Sends `request` with a Host header, as every HTTP/1.1 client does, when it has none.
  Response round_trip(Request request) {
    if (request.find(bhttp::field::host) == request.end()) request.set(bhttp::field::host, "test");
    request.prepare_payload();
    bhttp::write(socket_, request);
    return read_response();
  }

  Response read_response() {
    Response response;
    bhttp::read(socket_, buffer_, response);
    return response;
  }

  void write_raw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // True when the server has closed the connection (a read returns end of stream).
  bool closed_by_server() {
    Response response;
    boost::system::error_code ec;
    bhttp::read(socket_, buffer_, response, ec);
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset;
  }

  tcp::socket& socket() { return socket_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace safemig::http::testing
