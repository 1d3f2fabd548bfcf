// End-to-end tests of the APIs besides chat: the Responses API (plain and streamed) and
// embeddings go through the real metrics-proxy unchanged and are each recorded with their
// endpoint and tokens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy_fixture.h"

namespace safemig::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const Headers kJson = {{"Content-Type", "application/json"},
                       {"Authorization", "Bearer sk-test-secret"}};

const char* const kResponse =
    R"({"model":"gpt-4.1","input":"Tell me a three sentence bedtime story","max_output_tokens":64})";
const char* const kResponseStream =
    R"({"model":"gpt-4.1","stream":true,"input":[{"role":"user","content":"say hi twice"}]})";
const char* const kEmbeddings =
    R"({"model":"text-embedding-3-small","input":["the food was delicious","and the waiter"]})";

// "created_at":<digits> replaced by 0 (the fake stamps the current second).
std::string without_created_at(std::string text) {
  const std::string key = "\"created_at\":";
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    std::size_t end = at + key.size();
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    text.replace(at + key.size(), end - at - key.size(), "0");
  }
  return text;
}

class ProxyEndpointsTest : public ProxyTest {};

TEST_F(ProxyEndpointsTest, ResponsesAreForwardedUnchangedAndRecordedWithTheirUsage) {
  FakeUpstream& direct = start_upstream();
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected = http_request(direct.port(), "POST", "/v1/responses", kResponse, kJson);
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/responses", kResponse, kJson);
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(without_created_at(got.body), without_created_at(expected.body));
  EXPECT_EQ(behind.last_request()->body, kResponse);

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_EQ(r.endpoint, "responses");
  EXPECT_EQ(r.request_id, "resp_fake-1");
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.model, "gpt-4.1");
  EXPECT_FALSE(r.is_streaming);
  EXPECT_EQ(r.max_tokens, 64);
  EXPECT_EQ(r.message_count, 1);
  EXPECT_EQ(r.prompt_tokens, 7);
  EXPECT_EQ(r.completion_tokens, 5);
  EXPECT_EQ(r.total_tokens, 12);
  EXPECT_EQ(r.finish_reason, "completed");
  EXPECT_FALSE(r.error_type.has_value());
  EXPECT_THAT(proxy->stderr_text(), Not(HasSubstr("bedtime")));
}

TEST_F(ProxyEndpointsTest, StreamedResponsesAreRelayedUnchangedAndRecordedFromTheCompletedEvent) {
  FakeUpstreamOptions slow;
  slow.token_delay = std::chrono::milliseconds(20);
  FakeUpstream& direct = start_upstream(slow);
  FakeUpstream& behind = start_upstream(slow);
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/responses", kResponseStream, kJson);
  const HttpReply got =
      http_request(proxy->port(), "POST", "/v1/responses", kResponseStream, kJson);
  ASSERT_EQ(got.status, 200) << got.error;
  EXPECT_THAT(expected.body, HasSubstr("event: response.completed"));
  EXPECT_EQ(without_created_at(got.body), without_created_at(expected.body));
  EXPECT_EQ(got.header("Content-Type"), "text/event-stream");
  // A Responses stream reports usage without being asked: the body goes as the client sent it.
  EXPECT_EQ(behind.last_request()->body, kResponseStream);

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_EQ(r.endpoint, "responses");
  EXPECT_EQ(r.request_id, "resp_fake-1");
  EXPECT_TRUE(r.success) << r.error_type.value_or("");
  EXPECT_TRUE(r.is_streaming);
  EXPECT_EQ(r.message_count, 1);
  EXPECT_EQ(r.prompt_tokens, 3);
  EXPECT_EQ(r.completion_tokens, 5);
  EXPECT_EQ(r.total_tokens, 8);
  EXPECT_EQ(r.finish_reason, "completed");
  ASSERT_TRUE(r.ttft_ms.has_value());
  ASSERT_TRUE(r.ttlt_ms.has_value());
  // Four token delays of 20 ms lie between the first and the last delta.
  EXPECT_GE(*r.ttlt_ms - *r.ttft_ms, 70);
  EXPECT_LE(*r.ttlt_ms, r.response_time_ms);
  ASSERT_TRUE(r.tokens_per_second.has_value());
}

TEST_F(ProxyEndpointsTest, AResponsesStreamCutBeforeItsCompletedEventIsRecordedAsFailed) {
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  // created, output_item.added and three deltas, then the upstream closes: the client's stream
  // is cut as well.
  http_request(proxy->port(), "POST", "/v1/responses", kResponseStream,
               {{"Content-Type", "application/json"}, {"X-Fake-Disconnect-After", "5"}});
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].endpoint, "responses");
  EXPECT_FALSE(rows[0].success);
  EXPECT_TRUE(rows[0].error_type.has_value());
  EXPECT_FALSE(rows[0].total_tokens.has_value());
  EXPECT_TRUE(rows[0].ttft_ms.has_value());
}

TEST_F(ProxyEndpointsTest, EmbeddingsAreForwardedUnchangedAndRecordedWithTheirInputs) {
  FakeUpstream& direct = start_upstream();
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/embeddings", kEmbeddings, kJson);
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/embeddings", kEmbeddings, kJson);
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(got.body, expected.body);

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_EQ(r.endpoint, "embeddings");
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.model, "text-embedding-3-small");
  EXPECT_FALSE(r.is_streaming);
  EXPECT_EQ(r.message_count, 2);
  EXPECT_EQ(r.prompt_tokens, 7);
  EXPECT_EQ(r.total_tokens, 7);
  EXPECT_FALSE(r.completion_tokens.has_value());
  EXPECT_FALSE(r.finish_reason.has_value());
  EXPECT_FALSE(r.ttft_ms.has_value());
}

TEST_F(ProxyEndpointsTest, EachApiIsRecordedUnderItsOwnEndpoint) {
  FakeUpstream& behind = start_upstream();
  auto proxy = start_proxy(behind.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const std::pair<const char*, const char*> calls[] = {
      {"/v1/chat/completions", R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"},
      {"/v1/completions", R"({"model":"m","prompt":"hi"})"},
      {"/v1/responses", R"({"model":"m","input":"hi"})"},
      {"/v1/embeddings", R"({"model":"m","input":"hi"})"}};
  for (const auto& [path, body] : calls) {
    EXPECT_EQ(http_request(proxy->port(), "POST", path, body, kJson).status, 200) << path;
  }
  EXPECT_EQ(http_request(proxy->port(), "GET", "/v1/models").status, 200);
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].endpoint, "chat/completions");
  EXPECT_EQ(rows[1].endpoint, "completions");
  EXPECT_EQ(rows[2].endpoint, "responses");
  EXPECT_EQ(rows[3].endpoint, "embeddings");
}

}  // namespace
}  // namespace safemig::testing
