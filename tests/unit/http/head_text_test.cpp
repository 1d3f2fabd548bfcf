// head_text: the wire bytes of request and response heads, checked against Beast's own writer.
#include "safemig/http/head_text.h"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

namespace safemig::http {
namespace {

namespace bhttp = boost::beast::http;

template <bool isRequest>
std::string beast_text(const bhttp::header<isRequest>& head) {
  std::ostringstream out;
  out << head;
  return out.str();
}

// Fields go out in the order the container holds them (Beast keeps repeated names together).
TEST(HeadText, RequestMatchesBeastAndKeepsFieldOrder) {
  bhttp::request_header<> head;
  head.method(bhttp::verb::post);
  head.target("/v1/chat/completions?x=1");
  head.version(11);
  head.set(bhttp::field::host, "127.0.0.1:8000");
  head.insert("X-Custom", "a");
  head.set(bhttp::field::content_type, "application/json");
  head.insert("X-Custom", "b");
  head.set(bhttp::field::content_length, "17");
  const std::string text = head_text(head);
  EXPECT_EQ(text,
            "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
            "Host: 127.0.0.1:8000\r\nX-Custom: a\r\nX-Custom: b\r\n"
            "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n");
  EXPECT_EQ(text, beast_text(head));
}

TEST(HeadText, RequestWithAnUnknownMethodKeepsItsName) {
  bhttp::request_header<> head;
  head.method_string("PURGEX");
  head.target("/v1/models");
  head.version(10);
  EXPECT_EQ(head_text(head), "PURGEX /v1/models HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head_text(head), beast_text(head));
}

TEST(HeadText, ResponseWithoutReasonGetsTheStandardOne) {
  bhttp::response_header<> head;
  head.result(bhttp::status::too_many_requests);
  head.version(11);
  head.set(bhttp::field::content_type, "application/json");
  head.set(bhttp::field::transfer_encoding, "chunked");
  EXPECT_EQ(head_text(head),
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(head_text(head), beast_text(head));
}

TEST(HeadText, ResponseKeepsAnUpstreamReasonAndUnknownStatus) {
  bhttp::response_header<> head;
  head.result(599);
  head.reason("Custom Trouble");
  head.version(10);
  EXPECT_EQ(head_text(head), "HTTP/1.0 599 Custom Trouble\r\n\r\n");
  EXPECT_EQ(head_text(head), beast_text(head));
}

}  // namespace
}  // namespace safemig::http
