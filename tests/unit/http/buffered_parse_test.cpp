// parse_buffered: what a parser makes of the bytes already read, without I/O.
#include "safemig/http/buffered_parse.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string_view>

namespace safemig::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;

beast::flat_buffer holding(std::string_view bytes) {
  beast::flat_buffer buffer;
  const auto space = buffer.prepare(bytes.size());
  boost::asio::buffer_copy(space, boost::asio::buffer(bytes.data(), bytes.size()));
  buffer.commit(bytes.size());
  return buffer;
}

std::string_view rest(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

TEST(ParseBufferedTest, AWholeRequestIsParsedAndOnlyItIsConsumed) {
  auto buffer = holding(
      "POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
      "GET /next HTTP/1.1\r\n\r\n");
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  EXPECT_FALSE(parse_buffered(parser, buffer));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "hi");
  EXPECT_EQ(rest(buffer), "GET /next HTTP/1.1\r\n\r\n");
}

TEST(ParseBufferedTest, AnIncompleteHeadWaitsForTheRest) {
  auto buffer = holding("POST /v1/x HTTP/1.1\r\nHost: a\r\nCont");
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  EXPECT_EQ(parse_buffered(parser, buffer), bhttp::error::need_more);
  EXPECT_FALSE(parser.is_header_done());
  const std::string_view more = "ent-Length: 1\r\n\r\nx";
  boost::asio::buffer_copy(buffer.prepare(more.size()),
                           boost::asio::buffer(more.data(), more.size()));
  buffer.commit(more.size());
  EXPECT_FALSE(parse_buffered(parser, buffer));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get()[bhttp::field::host], "a");
  EXPECT_EQ(parser.get().body(), "x");
}

TEST(ParseBufferedTest, APartialBodyIsTakenAndTheRestAwaited) {
  auto buffer = holding("POST /v1/x HTTP/1.1\r\nContent-Length: 6\r\n\r\nabc");
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  EXPECT_EQ(parse_buffered(parser, buffer), bhttp::error::need_more);
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(ParseBufferedTest, LimitsAndMalformedInputAreTheParsersErrors) {
  auto oversized = holding("POST /v1/x HTTP/1.1\r\nContent-Length: 100\r\n\r\n");
  bhttp::request_parser<bhttp::string_body> limited;
  limited.body_limit(10);
  EXPECT_EQ(parse_buffered(limited, oversized), bhttp::error::body_limit);

  auto garbage = holding("GARBAGE\r\n\r\n");
  bhttp::request_parser<bhttp::string_body> parser;
  const auto ec = parse_buffered(parser, garbage);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, bhttp::error::need_more);
}

TEST(ParseBufferedTest, AFullBodyBufferStopsWithNeedBuffer) {
  auto buffer = holding("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nabcdefgh");
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.eager(true);
  char piece[5];
  parser.get().body().data = piece;
  parser.get().body().size = sizeof piece;
  EXPECT_EQ(parse_buffered(parser, buffer), bhttp::error::need_buffer);
  EXPECT_EQ(std::string_view(piece, 5), "abcde");
  EXPECT_EQ(rest(buffer), "fgh");
}

}  // namespace
}  // namespace safemig::http
