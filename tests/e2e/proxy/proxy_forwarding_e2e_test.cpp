// End-to-end tests of forwarding and recording: the real metrics-proxy binary in front of the
// in-process fake upstream, compared with direct calls to an identical fake.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy_fixture.h"
#include "safemig/app/history.h"
#include "silent_upstream.h"

namespace safemig::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kChat =
    R"({"model":"gpt-test","max_tokens":16,"temperature":0.2,"top_p":0.9,)"
    R"("messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}]})";
const char* const kChatStream =
    R"({"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi there"}]})";
const char* const kChatStreamUsage =
    R"({"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},)"
    R"("messages":[{"role":"user","content":"hi there"}]})";

const Headers kJson = {{"Content-Type", "application/json"},
                       {"Authorization", "Bearer sk-test-secret"}};

Headers with(Headers headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

class ProxyForwardingTest : public ProxyTest {};

TEST_F(ProxyForwardingTest, NonStreamingRoundTripIsByteIdenticalAndRecorded) {
  FakeUpstream& direct = start_upstream();
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/chat/completions", kChat, kJson);
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat,
                                     with(kJson, "X-Origin", "team-a"));
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(without_created(got.body), without_created(expected.body));
  EXPECT_EQ(got.header("Content-Type"), expected.header("Content-Type"));
  EXPECT_EQ(got.header("X-Request-Id"), expected.header("X-Request-Id"));

  const auto forwarded = behind.last_request();
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->body, kChat);
  EXPECT_EQ(forwarded->header("Authorization"), "Bearer sk-test-secret");
  EXPECT_EQ(forwarded->header("Host"), "127.0.0.1:" + std::to_string(behind.port()));
  EXPECT_FALSE(forwarded->header("Connection").has_value());

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_EQ(r.request_id, "chatcmpl-fake-1");
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.model, "gpt-test");
  EXPECT_EQ(r.origin, "team-a");
  EXPECT_EQ(r.upstream, behind.base_url());
  EXPECT_FALSE(r.is_streaming);
  EXPECT_EQ(r.max_tokens, 16);
  EXPECT_EQ(r.message_count, 2);
  EXPECT_EQ(r.completion_tokens, 5);
  ASSERT_TRUE(r.prompt_tokens.has_value());
  EXPECT_EQ(r.total_tokens, *r.prompt_tokens + 5);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_FALSE(r.error_type.has_value());
  EXPECT_FALSE(r.ttft_ms.has_value());
  // Nothing of the prompt, the completion or the key is in the proxy's log.
  EXPECT_THAT(proxy->stderr_text(), Not(HasSubstr("sk-test-secret")));
  EXPECT_THAT(proxy->stderr_text(), Not(HasSubstr("be brief")));
}

TEST_F(ProxyForwardingTest, StreamingWithoutIncludeUsageIsIdenticalAndStillRecordsUsage) {
  FakeUpstream& direct = start_upstream();
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/chat/completions", kChatStream, kJson);
  const HttpReply got =
      http_request(proxy->port(), "POST", "/v1/chat/completions", kChatStream, kJson);
  ASSERT_EQ(got.status, 200) << got.error;
  EXPECT_THAT(expected.body, Not(HasSubstr("usage")));
  EXPECT_EQ(without_created(got.body), without_created(expected.body));
  EXPECT_EQ(got.header("Content-Type"), "text/event-stream");
  // The proxy asked the upstream for usage on the client's behalf.
  EXPECT_THAT(behind.last_request()->body, HasSubstr("\"include_usage\":true"));

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_TRUE(r.is_streaming);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.completion_tokens, 5);
  EXPECT_TRUE(r.total_tokens.has_value());
  EXPECT_EQ(r.finish_reason, "stop");
  ASSERT_TRUE(r.ttft_ms.has_value());
  ASSERT_TRUE(r.ttlt_ms.has_value());
  EXPECT_LE(*r.ttft_ms, *r.ttlt_ms);
  EXPECT_LE(*r.ttlt_ms, r.response_time_ms);
  EXPECT_EQ(r.request_id, "chatcmpl-fake-1");
}

TEST_F(ProxyForwardingTest, StreamingWithIncludeUsageIsIdenticalAndRecorded) {
  FakeUpstreamOptions slow;
  slow.token_delay = std::chrono::milliseconds(20);
  FakeUpstream& direct = start_upstream(slow);
  FakeUpstream& behind = start_upstream(slow);
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/chat/completions", kChatStreamUsage, kJson);
  const HttpReply got =
      http_request(proxy->port(), "POST", "/v1/chat/completions", kChatStreamUsage, kJson);
  ASSERT_EQ(got.status, 200) << got.error;
  EXPECT_THAT(expected.body, HasSubstr("\"choices\":[],\"usage\""));
  EXPECT_EQ(without_created(got.body), without_created(expected.body));
  EXPECT_EQ(behind.last_request()->body, kChatStreamUsage);

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].completion_tokens, 5);
  ASSERT_TRUE(rows[0].ttft_ms.has_value());
  ASSERT_TRUE(rows[0].ttlt_ms.has_value());
  // Four token delays of 20 ms lie between the first and the last token.
  EXPECT_GE(*rows[0].ttlt_ms - *rows[0].ttft_ms, 70);
  ASSERT_TRUE(rows[0].tokens_per_second.has_value());
  EXPECT_GT(*rows[0].tokens_per_second, 0);
}

TEST_F(ProxyForwardingTest, TextCompletionsAreRecordedAndOtherPathsForwardedOnly) {
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply text = http_request(proxy->port(), "POST", "/v1/completions",
                                      R"({"model":"m","prompt":"say hi"})", kJson);
  EXPECT_EQ(text.status, 200) << text.error;
  const HttpReply models = http_request(proxy->port(), "GET", "/v1/models");
  EXPECT_EQ(models.status, 200);
  EXPECT_THAT(models.body, HasSubstr("fake-model"));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].request_id, "cmpl-fake-1");
  EXPECT_EQ(rows[0].origin, "127.0.0.1");
}

TEST_F(ProxyForwardingTest, ClientDisconnectMidStreamIsRecordedAs499) {
  FakeUpstreamOptions slow;
  slow.token_delay = std::chrono::milliseconds(20);
  FakeUpstream& behind = start_upstream(slow);
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const std::string seen = post_then_disconnect(proxy->port(), "/v1/chat/completions", kChatStream,
                                                with(kJson, "X-Fake-Tokens", "200"), 20);
  EXPECT_THAT(seen, HasSubstr("data: "));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_TRUE(is_failed_row(r, 499, "client_disconnect"));
  EXPECT_TRUE(r.ttft_ms.has_value());
  EXPECT_FALSE(r.total_tokens.has_value());
  // The whole answer would take 4 s: the proxy stopped relaying well before.
  EXPECT_LT(r.response_time_ms, 3000);
}

// A client that gives up while the upstream is still thinking: the proxy closes the upstream
// connection (so the upstream can stop generating) and records the request as the client's.
TEST_F(ProxyForwardingTest, ClientLeavingBeforeTheResponseClosesTheUpstreamAndIsRecordedAs499) {
  SilentUpstream behind;
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  ASSERT_TRUE(post_then_leave(proxy->port(), "/v1/chat/completions", kChat, kJson,
                              std::chrono::milliseconds(300)));
  // The upstream timeout is 600 s: only the client leaving can close the connection this soon.
  EXPECT_TRUE(behind.wait_for_close(std::chrono::seconds(10)))
      << "the upstream request outlived its client";
  EXPECT_GT(behind.bytes_received(), 0u);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 499, "client_disconnect"));
  // About the 300 ms the client stayed (counted from when the proxy read the request, a little
  // after the client sent it), not the upstream's time, which never ends.
  EXPECT_GE(rows[0].response_time_ms, 200);
  EXPECT_LT(rows[0].response_time_ms, 10000);
}

TEST_F(ProxyForwardingTest, UpstreamErrorsArePassedThroughAndRecorded) {
  FakeUpstream& direct = start_upstream();
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  for (const char* status : {"429", "500"}) {
    const Headers headers = with(kJson, "X-Fake-Status", status);
    const HttpReply expected =
        http_request(direct.port(), "POST", "/v1/chat/completions", kChat, headers);
    const HttpReply got =
        http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, headers);
    EXPECT_EQ(got.status, std::stoi(status));
    EXPECT_EQ(got.body, expected.body);
  }
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(is_failed_row(rows[0], 429, "rate_limit_exceeded"));
  EXPECT_TRUE(is_failed_row(rows[1], 500, "server_error"));
  EXPECT_NE(rows[0].request_id, rows[1].request_id);
}

// The upstream read the whole completion call on a reused connection and closed it without an
// answer: it may have generated (and billed) the completion, so the call is not sent again.
TEST_F(ProxyForwardingTest, CompletionTheUpstreamReadIsNeverSentTwice) {
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  // Leaves a kept-alive connection parked for the next request.
  ASSERT_EQ(http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson).status, 200);
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat,
                                     with(kJson, "X-Fake-Disconnect-After", "0"));
  EXPECT_EQ(got.status, 502);
  EXPECT_THAT(got.body, HasSubstr("\"type\":\"upstream_bad_response\""));
  EXPECT_EQ(behind.request_count(), 2u);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(is_failed_row(rows[1], 502, "upstream_bad_response"));
}

TEST_F(ProxyForwardingTest, SilentUpstreamIs504) {
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url(), {"--upstream-timeout", "0.3"});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat,
                                     with(kJson, "X-Fake-Delay-Ms", "3000"));
  EXPECT_EQ(got.status, 504);
  EXPECT_THAT(got.body, HasSubstr("\"type\":\"upstream_timeout\""));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 504, "upstream_timeout"));
  EXPECT_GE(rows[0].response_time_ms, 300);
  EXPECT_LT(rows[0].response_time_ms, 3000);
}

// The upstream timeout bounds each wait for the upstream, not the whole response: a stream that
// lasts longer than it, with every event on time, is relayed whole.
TEST_F(ProxyForwardingTest, StreamLongerThanTheUpstreamTimeoutWithTimelyEventsSucceeds) {
  FakeUpstreamOptions paced;
  paced.tokens = 8;
  paced.token_delay = std::chrono::milliseconds(100);
  FakeUpstream& behind = start_upstream(paced);
  auto proxy = start_proxy(behind.base_url(), {"--upstream-timeout", "0.4"});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got =
      http_request(proxy->port(), "POST", "/v1/chat/completions", kChatStreamUsage, kJson);
  ASSERT_EQ(got.status, 200) << got.error;
  EXPECT_THAT(got.body, HasSubstr("data: [DONE]"));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].success);
  EXPECT_EQ(rows[0].completion_tokens, 8);
  EXPECT_GE(rows[0].response_time_ms, 700);
}

TEST_F(ProxyForwardingTest, RefusedUpstreamIs502) {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(unused_port());
  auto proxy = start_proxy(nowhere);
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got =
      http_request(proxy->port(), "POST", "/v1/chat/completions", kChatStream, kJson);
  EXPECT_EQ(got.status, 502);
  EXPECT_THAT(got.body, HasSubstr("\"type\":\"upstream_unreachable\""));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(is_failed_row(rows[0], 502, "upstream_unreachable"));
  EXPECT_TRUE(rows[0].is_streaming);
  EXPECT_EQ(rows[0].upstream, nowhere);
  EXPECT_THAT(rows[0].request_id, ::testing::StartsWith("proxy-"));
}

TEST_F(ProxyForwardingTest, FailedTlsHandshakeIs502) {
  // The fake speaks plain HTTP: the handshake of an https upstream fails.
  FakeUpstream& plain = start_upstream();
  auto proxy = start_proxy("https://127.0.0.1:" + std::to_string(plain.port()));
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson);
  EXPECT_EQ(got.status, 502);
  EXPECT_THAT(got.body, HasSubstr("TLS handshake"));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error_type, "upstream_unreachable");
}

TEST_F(ProxyForwardingTest, OwnEndpointsOversizedBodiesAndUnknownPaths) {
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply health = http_request(proxy->port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(health.body, HasSubstr("\"schema_version\":" + std::to_string(app::kLatestVersion)));
  EXPECT_EQ(http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson).status, 200);
  const HttpReply metrics = http_request(proxy->port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("llm_proxy_overhead_seconds_count 1"));
  EXPECT_THAT(metrics.body, HasSubstr("llm_proxy_forwarded_total{outcome=\"success\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("llm_proxy_recorder_queue_depth"));

  const HttpReply huge = post_large_body(proxy->port(), "/v1/chat/completions", 33 << 20);
  EXPECT_EQ(huge.status, 413) << huge.error;
  EXPECT_THAT(huge.body, HasSubstr("\"type\":\"request_too_large\""));
  // Refused too; an embeddings call is recorded as well.
  EXPECT_EQ(post_large_body(proxy->port(), "/v1/embeddings", 33 << 20).status, 413);
  const HttpReply unknown = http_request(proxy->port(), "GET", "/v2/anything");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("\"error\""));
  const HttpReply dotted = http_request(proxy->port(), "GET", "/v1/../admin");
  EXPECT_EQ(dotted.status, 400);
  EXPECT_THAT(dotted.body, HasSubstr("'.' or '..' segment"));
  EXPECT_EQ(behind.request_count(), 1u);
  EXPECT_THAT(http_request(proxy->port(), "GET", "/metrics").body,
              HasSubstr("llm_proxy_forwarded_total{outcome=\"request_too_large\"} 2"));
  stop(*proxy);
  // The calls refused 413 are rows of their own: nothing the proxy was asked is lost.
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(is_failed_row(rows[2], 413, "request_too_large"));
  EXPECT_EQ(rows[2].endpoint, "embeddings");
  EXPECT_TRUE(is_failed_row(rows[1], 413, "request_too_large"));
  EXPECT_EQ(rows[1].model, "unknown");
}

}  // namespace
}  // namespace safemig::testing
