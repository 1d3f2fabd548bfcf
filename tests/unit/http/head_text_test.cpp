// head_text: the wire bytes of response heads, checked against Beast's own writer.
#include "safemig/http/head_text.h"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

namespace safemig::http {
namespace {

namespace bhttp = boost::beast::http;

std::string beast_text(const bhttp::response_header<>& head) {
  std::ostringstream out;
  out << head;
  return out.str();
}

// Fields go out in the order the container holds them (Beast keeps repeated names together).
TEST(HeadText, ResponseWithoutReasonGetsTheStandardOne) {
  bhttp::response_header<> head;
  head.result(bhttp::status::too_many_requests);
  head.version(11);
  head.set(bhttp::field::content_type, "application/json");
  head.insert("X-Custom", "a");
  head.set(bhttp::field::transfer_encoding, "chunked");
  head.insert("X-Custom", "b");
  EXPECT_EQ(head_text(head),
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            "X-Custom: a\r\nX-Custom: b\r\nTransfer-Encoding: chunked\r\n\r\n");
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
