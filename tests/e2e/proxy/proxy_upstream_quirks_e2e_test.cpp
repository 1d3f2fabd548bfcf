// End-to-end tests of upstream behaviour a well-behaved server does not show, from a scripted
// upstream: interim (1xx) responses before the final one, and an answer sent before the request
// body was read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "proxy_fixture.h"
#include "scripted_upstream.h"

namespace safemig::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

const char* const kChat = R"({"model":"gpt-test","messages":[{"role":"user","content":"hi"}]})";
const Headers kJson = {{"Content-Type", "application/json"}};

// A final 200 chat completion whose content is the request's X-Marker.
std::string completion_for(const std::string& head) {
  const std::string body =
      R"({"id":"chatcmpl-)" + head_field(head, "X-Marker") +
      R"(","object":"chat.completion","model":"gpt-test","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":")" +
      head_field(head, "X-Marker") +
      R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,)"
      R"("total_tokens":2}})";
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

HttpReply chat(std::uint16_t port, const std::string& marker) {
  Headers headers = kJson;
  headers.emplace_back("X-Marker", marker);
  return http_request(port, "POST", "/v1/chat/completions", kChat, headers,
                      std::chrono::seconds(10));
}

class ProxyUpstreamQuirksTest : public ProxyTest {};

TEST_F(ProxyUpstreamQuirksTest, InterimResponsesArePassedOverAndTheFinalOneRelayed) {
  ScriptedUpstream upstream([](const std::string& head) {
    return ScriptedReply{
        {{milliseconds(0), "HTTP/1.1 100 Continue\r\n\r\n"},
         {milliseconds(0), "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"},
         {milliseconds(20), completion_for(head)}}};
  });
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got = chat(proxy->port(), "alice");
  EXPECT_EQ(got.status, 200) << got.error;
  EXPECT_THAT(got.body, HasSubstr(R"("content":"alice")"));
  // The connection is whole again: the next request reuses it.
  EXPECT_EQ(chat(proxy->port(), "bob").status, 200);
  EXPECT_EQ(upstream.connections(), 1u);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].status_code, 200);
  EXPECT_TRUE(rows[0].success);
  EXPECT_EQ(rows[0].request_id, "chatcmpl-alice");
  EXPECT_EQ(rows[0].total_tokens, 2);
}

// Until the final response is read, the connection carries this request's answer: lent to
// another request, it would hand that request the first one's response.
TEST_F(ProxyUpstreamQuirksTest, AConnectionAwaitingItsFinalResponseServesNoOtherRequest) {
  ScriptedUpstream upstream([](const std::string& head) {
    return ScriptedReply{{{milliseconds(0), "HTTP/1.1 100 Continue\r\n\r\n"},
                          {milliseconds(600), completion_for(head)}}};
  });
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  auto first = std::async(std::launch::async, [&] { return chat(proxy->port(), "alice"); });
  std::this_thread::sleep_for(milliseconds(200));
  const HttpReply second = chat(proxy->port(), "bob");
  const HttpReply alice = first.get();
  EXPECT_EQ(alice.status, 200) << alice.error;
  EXPECT_THAT(alice.body, HasSubstr(R"("content":"alice")"));
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_THAT(second.body, HasSubstr(R"("content":"bob")"));
  EXPECT_EQ(upstream.connections(), 2u);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].status_code, 200);
  EXPECT_EQ(rows[1].status_code, 200);
}

TEST_F(ProxyUpstreamQuirksTest, SwitchingProtocolsIsABadResponse) {
  ScriptedUpstream upstream([](const std::string&) {
    return ScriptedReply{
        {{milliseconds(0), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"}}};
  });
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got = chat(proxy->port(), "alice");
  EXPECT_EQ(got.status, 502);
  EXPECT_THAT(got.body, HasSubstr("switched protocols (101)"));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 502, "upstream_bad_response"));
}

// An upstream refusing a body over its own limit answers after the head and closes; the rest
// of the send then fails, and the answer is still the response (RFC 9112 §9.5).
TEST_F(ProxyUpstreamQuirksTest, AnAnswerSentBeforeTheBodyWasReadIsRelayed) {
  const std::string error_body =
      R"({"error":{"message":"request too large","type":"invalid_request_error",)"
      R"("code":"request_too_large"}})";
  ScriptedUpstream upstream([&error_body](const std::string&) {
    ScriptedReply reply;
    reply.writes = {{milliseconds(0),
                     "HTTP/1.1 413 Payload Too Large\r\nContent-Type: "
                     "application/json\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(error_body.size()) + "\r\n\r\n" + error_body}};
    reply.read_body = false;
    reply.close_after = true;
    return reply;
  });
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const std::string large = R"({"model":"gpt-test","messages":[{"role":"user","content":")" +
                            std::string(std::size_t{8} << 20, 'x') + R"("}]})";
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", large, kJson,
                                     std::chrono::seconds(20));
  EXPECT_EQ(got.status, 413) << got.error << got.body;
  EXPECT_EQ(got.body, error_body);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 413, "invalid_request_error"));
}

}  // namespace
}  // namespace safemig::testing
