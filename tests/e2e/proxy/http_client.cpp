// The blocking test client (see http_client.h).
//
// Thread safety: each call uses its own io_context and socket.
#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <thread>

namespace safemig::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

bhttp::request<bhttp::string_body> make_request(std::uint16_t port, const std::string& method,
                                                const std::string& target, const std::string& body,
                                                const Headers& headers) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (!body.empty() || method == "POST") request.prepare_payload();
  return request;
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const Headers& headers,
                       std::chrono::milliseconds timeout) {
  HttpReply reply;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  boost::system::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    reply.error = "connect: " + ec.message();
    return reply;
  }
  const auto request = make_request(port, method, target, body, headers);
  bhttp::write(stream, request, ec);
  if (ec) {
    reply.error = "write: " + ec.message();
    return reply;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) {
    reply.error = "read: " + ec.message();
    return reply;
  }
  const auto& response = parser.get();
  reply.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  reply.body = response.body();
  return reply;
}

HttpReply post_large_body(std::uint16_t port, const std::string& target, std::size_t body_size) {
  HttpReply reply;
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    reply.error = "connect: " + ec.message();
    return reply;
  }
  const std::string head = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                           "Content-Type: application/json\r\nConnection: close\r\n" +
                           "Content-Length: " + std::to_string(body_size) + "\r\n\r\n";
  asio::write(socket, asio::buffer(head), ec);
  const std::string piece(64 * 1024, 'x');
  std::size_t sent = 0;
  while (!ec && sent < body_size && socket.available(ec) == 0) {
    const std::size_t n = std::min(piece.size(), body_size - sent);
    sent += asio::write(socket, asio::buffer(piece.data(), n), ec);
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read(socket, buffer, parser, ec);
  if (ec) {
    reply.error = "read: " + ec.message();
    return reply;
  }
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = parser.get().body();
  return reply;
}

std::string post_then_disconnect(std::uint16_t port, const std::string& target,
                                 const std::string& body, const Headers& headers,
                                 std::size_t body_bytes) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(30));
  boost::system::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {};
  bhttp::write(stream, make_request(port, "POST", target, body, headers), ec);
  if (ec) return {};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  bhttp::read_header(stream, buffer, parser, ec);
  if (ec) return {};
  std::string received;
  char piece[4096];
  while (received.size() < body_bytes && !parser.is_done()) {
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    bhttp::read_some(stream, buffer, parser, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) break;
    received.append(piece, sizeof piece - parser.get().body().size);
  }
  stream.socket().close(ec);
  return received;
}

bool post_then_leave(std::uint16_t port, const std::string& target, const std::string& body,
                     const Headers& headers, std::chrono::milliseconds linger) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return false;
  bhttp::write(stream, make_request(port, "POST", target, body, headers), ec);
  if (ec) return false;
  std::this_thread::sleep_for(linger);
  stream.socket().close(ec);
  return true;
}

}  // namespace safemig::testing
