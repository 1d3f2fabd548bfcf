// End-to-end tests of what the proxy keeps from a scripted upstream: an error message that echoes
// the request is stored without the key or the prompt, and a stream whose client left while the
// upstream was silent is recorded as the client's at once, not when the upstream speaks again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "proxy_fixture.h"
#include "scripted_upstream.h"

namespace safemig::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "sk-live-7Hq2Zp9Wm4Xr6Tc1Vb8Nd3Ky5Lf0Gs";
constexpr const char* kPrompt = "Draft a letter to Dr Okonkwo about the biopsy results";

std::string chat_body(bool stream) {
  return std::string(R"({"model":"gpt-test","stream":)") + (stream ? "true" : "false") +
         R"(,"messages":[{"role":"user","content":")" + kPrompt + R"("}]})";
}

const Headers kAuthorizedJson = {{"Content-Type", "application/json"},
                                 {"Authorization", std::string("Bearer ") + kKey}};

std::string chunk(const std::string& data) {
  std::ostringstream size;
  size << std::hex << data.size();
  return size.str() + "\r\n" + data + "\r\n";
}

using ProxyClientAndPrivacyTest = ProxyTest;

TEST_F(ProxyClientAndPrivacyTest, UpstreamErrorEchoingTheKeyAndPromptIsStoredRedacted) {
  const std::string error_body =
      std::string(R"({"error":{"type":"invalid_request_error","message":"key )") + kKey +
      R"( may not send ')" + kPrompt + R"(': content policy"}})";
  ScriptedUpstream upstream([&error_body](const std::string&) {
    return ScriptedReply{{{milliseconds(0),
                           "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                           "Content-Length: " +
                               std::to_string(error_body.size()) + "\r\n\r\n" + error_body}}};
  });
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions",
                                     chat_body(false), kAuthorizedJson);
  EXPECT_EQ(got.status, 400) << got.error;
  EXPECT_EQ(got.body, error_body);  // The client gets the upstream's answer as it was.
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 400, "invalid_request_error"));
  ASSERT_TRUE(rows[0].error_message.has_value());
  const std::string& stored = *rows[0].error_message;
  EXPECT_THAT(stored, Not(HasSubstr("7Hq2Zp9Wm4Xr")));
  EXPECT_THAT(stored, Not(HasSubstr("Okonkwo")));
  EXPECT_THAT(stored, Not(HasSubstr("biopsy")));
  EXPECT_THAT(stored, HasSubstr("content policy"));
}

TEST_F(ProxyClientAndPrivacyTest, ErrorMessagesOffStoresNone) {
  const std::string error_body =
      R"({"error":{"type":"invalid_request_error","message":"bad request"}})";
  ScriptedUpstream upstream([&error_body](const std::string&) {
    return ScriptedReply{{{milliseconds(0),
                           "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                           "Content-Length: " +
                               std::to_string(error_body.size()) + "\r\n\r\n" + error_body}}};
  });
  auto proxy = start_proxy(upstream.base_url(), {"--error-messages", "off"});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  EXPECT_EQ(
      http_request(proxy->port(), "POST", "/v1/chat/completions", chat_body(false), kAuthorizedJson)
          .status,
      400);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 400, "invalid_request_error"));
  EXPECT_FALSE(rows[0].error_message.has_value());
}

// The upstream sends one token, then is silent for a minute. The client leaves after the token;
// the shutdown that follows waits up to 30 s for requests in flight. The request is recorded as
// the client's (499), so it ended when the client left: had it waited for the upstream, the
// shutdown would have ended it (503) or the upstream's next token would be in its timings.
TEST_F(ProxyClientAndPrivacyTest, ClientLeavingWhileTheUpstreamIsSilentIsRecordedAtOnce) {
  const std::string token =
      R"(data: {"id":"chatcmpl-s","choices":[{"index":0,"delta":{"content":"a"}}]})"
      "\n\n";
  ScriptedUpstream upstream([&token](const std::string&) {
    return ScriptedReply{
        {{milliseconds(0),
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
          "chunked\r\n\r\n" +
              chunk(token)},
         {std::chrono::minutes(1), chunk(token) + chunk("data: [DONE]\n\n") + "0\r\n\r\n"}}};
  });
  auto proxy = start_proxy(upstream.base_url(), {"--shutdown-timeout", "30"});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const std::string seen = post_then_disconnect(proxy->port(), "/v1/chat/completions",
                                                chat_body(true), kAuthorizedJson, token.size());
  EXPECT_THAT(seen, HasSubstr("data: "));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_TRUE(is_failed_row(r, 499, "client_disconnect"));
  EXPECT_TRUE(r.ttft_ms.has_value());
  EXPECT_EQ(r.ttft_ms, r.ttlt_ms);  // The one token the client got.
  EXPECT_LT(r.response_time_ms, 30000);
}

}  // namespace
}  // namespace safemig::testing
