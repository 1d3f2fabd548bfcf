// FakeUpstream: the OpenAI shapes it answers with, include_usage, error statuses, mid-stream
// disconnects, and what it records.
#include "support/fake_upstream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http_test_client.h"

namespace safemig::testing {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;
using http::bhttp::field;
using http::bhttp::status;
using http::bhttp::verb;
using http::testing::Client;
using ::testing::HasSubstr;

Request post(std::string target, const json::value& body) {
  Request request{verb::post, target, 11};
  request.set(field::host, "localhost");
  request.set(field::content_type, "application/json");
  request.body() = json::serialize(body);
  return request;
}

json::value chat_body(bool stream, bool include_usage = false) {
  json::object body{
      {"model", "m1"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "hello there world"}}}}};
  if (stream) body["stream"] = true;
  if (include_usage) body["stream_options"] = json::object{{"include_usage", true}};
  return body;
}

// The payloads of the `data:` events of an SSE body, in order.
std::vector<std::string> sse_events(std::string_view body) {
  std::vector<std::string> events;
  while (!body.empty()) {
    const auto end = body.find("\n\n");
    EXPECT_NE(end, std::string_view::npos) << "unterminated event: " << body;
    if (end == std::string_view::npos) break;
    const std::string_view event = body.substr(0, end);
    EXPECT_EQ(event.substr(0, 6), "data: ");
    events.emplace_back(event.substr(6));
    body.remove_prefix(end + 2);
  }
  return events;
}

class FakeUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto upstream = FakeUpstream::start();
    ASSERT_TRUE(upstream) << upstream.error().message;
    upstream_ = std::move(*upstream);
  }
  std::unique_ptr<FakeUpstream> upstream_;
};

TEST_F(FakeUpstreamTest, NonStreamingChatHasTheOpenAiShape) {
  Client client(upstream_->port());
  auto request = post("/v1/chat/completions", chat_body(false));
  request.set(field::authorization, "Bearer sk-test");
  const Response response = client.round_trip(std::move(request));
  ASSERT_EQ(response.result(), status::ok);
  EXPECT_EQ(response[field::content_type], "application/json");
  const json::value body = json::parse(response.body());
  EXPECT_EQ(body.at("id"), "chatcmpl-fake-1");
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_EQ(body.at("model"), "m1");
  const auto& choice = body.at("choices").at(0);
  EXPECT_EQ(choice.at("message").at("role"), "assistant");
  EXPECT_EQ(choice.at("message").at("content"), "tok0 tok1 tok2 tok3 tok4");
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  EXPECT_EQ(body.at("usage"),
            (json::object{{"prompt_tokens", 3}, {"completion_tokens", 5}, {"total_tokens", 8}}));

  EXPECT_EQ(upstream_->request_count(), 1u);
  const auto last = upstream_->last_request();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->method, "POST");
  EXPECT_EQ(last->target, "/v1/chat/completions");
  EXPECT_EQ(last->header("authorization"), "Bearer sk-test");
  EXPECT_EQ(json::parse(last->body), chat_body(false));
}

TEST_F(FakeUpstreamTest, StreamingWithoutIncludeUsageHasNoUsageChunk) {
  Client client(upstream_->port());
  const Response response = client.round_trip(post("/v1/chat/completions", chat_body(true)));
  ASSERT_EQ(response.result(), status::ok);
  EXPECT_EQ(response[field::content_type], "text/event-stream");
  EXPECT_TRUE(response.chunked());
  const auto events = sse_events(response.body());
  ASSERT_EQ(events.size(), 7u);  // 5 tokens, the finish chunk, [DONE].
  std::string content;
  for (std::size_t i = 0; i < 5; ++i) {
    const json::value chunk = json::parse(events[i]);
    EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("model"), "m1");
    EXPECT_FALSE(chunk.as_object().contains("usage"));
    EXPECT_TRUE(chunk.at("choices").at(0).at("finish_reason").is_null());
    content += chunk.at("choices").at(0).at("delta").at("content").as_string();
  }
  EXPECT_EQ(content, "tok0 tok1 tok2 tok3 tok4");
  EXPECT_EQ(json::parse(events[0]).at("choices").at(0).at("delta").at("role"), "assistant");
  const json::value finish = json::parse(events[5]);
  EXPECT_EQ(finish.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(finish.at("choices").at(0).at("delta"), json::object{});
  EXPECT_EQ(events[6], "[DONE]");
}

TEST_F(FakeUpstreamTest, StreamingWithIncludeUsageEndsWithAUsageOnlyChunk) {
  Client client(upstream_->port());
  const Response response = client.round_trip(post("/v1/chat/completions", chat_body(true, true)));
  const auto events = sse_events(response.body());
  ASSERT_EQ(events.size(), 8u);  // 5 tokens, the finish chunk, the usage chunk, [DONE].
  for (std::size_t i = 0; i < 6; ++i) EXPECT_TRUE(json::parse(events[i]).at("usage").is_null());
  const json::value usage = json::parse(events[6]);
  EXPECT_EQ(usage.at("choices"), json::array{});
  EXPECT_EQ(usage.at("usage"),
            (json::object{{"prompt_tokens", 3}, {"completion_tokens", 5}, {"total_tokens", 8}}));
  EXPECT_EQ(events[7], "[DONE]");
}

TEST_F(FakeUpstreamTest, TextCompletionStreamsText) {
  Client client(upstream_->port());
  auto request = post("/v1/completions",
                      json::object{{"model", "m2"}, {"prompt", "say two"}, {"stream", true}});
  request.set("X-Fake-Tokens", "2");
  const auto events = sse_events(client.round_trip(std::move(request)).body());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(json::parse(events[0]).at("object"), "text_completion");
  EXPECT_EQ(json::parse(events[1]).at("choices").at(0).at("text"), " tok1");
  EXPECT_EQ(json::parse(events[2]).at("choices").at(0).at("finish_reason"), "stop");
}

TEST_F(FakeUpstreamTest, MaxTokensCutsTheAnswerWithFinishReasonLength) {
  Client client(upstream_->port());
  json::value body = chat_body(false);
  body.as_object()["max_tokens"] = 2;
  const json::value answer =
      json::parse(client.round_trip(post("/v1/chat/completions", body)).body());
  EXPECT_EQ(answer.at("choices").at(0).at("finish_reason"), "length");
  EXPECT_EQ(answer.at("usage").at("completion_tokens"), 2);
}

TEST_F(FakeUpstreamTest, FakeStatusAnswersAnOpenAiError) {
  Client client(upstream_->port());
  auto request = post("/v1/chat/completions", chat_body(true));
  request.set("X-Fake-Status", "429");
  const Response response = client.round_trip(std::move(request));
  EXPECT_EQ(response.result(), status::too_many_requests);
  const json::value body = json::parse(response.body());
  EXPECT_EQ(body.at("error").at("type"), "rate_limit_exceeded");
  EXPECT_EQ(body.at("error").at("code"), "rate_limit_exceeded");
  // The connection stays usable.
  EXPECT_EQ(client.round_trip(post("/v1/chat/completions", chat_body(false))).result(), status::ok);
}

TEST_F(FakeUpstreamTest, ServerErrorStatusHasServerErrorType) {
  Client client(upstream_->port());
  auto request = post("/v1/completions", json::object{{"prompt", "x"}});
  request.set("X-Fake-Status", "500");
  const Response response = client.round_trip(std::move(request));
  EXPECT_EQ(response.result(), status::internal_server_error);
  EXPECT_EQ(json::parse(response.body()).at("error").at("type"), "server_error");
}

TEST_F(FakeUpstreamTest, MalformedOverrideIs400) {
  Client client(upstream_->port());
  auto request = post("/v1/chat/completions", chat_body(false));
  request.set("X-Fake-Tokens", "many");
  const Response response = client.round_trip(std::move(request));
  EXPECT_EQ(response.result(), status::bad_request);
  EXPECT_THAT(std::string(json::parse(response.body()).at("error").at("message").as_string()),
              HasSubstr("X-Fake-Tokens"));
}

TEST_F(FakeUpstreamTest, DisconnectAfterClosesMidStream) {
  Client client(upstream_->port());
  auto request = post("/v1/chat/completions", chat_body(true));
  request.set("X-Fake-Disconnect-After", "3");
  request.prepare_payload();
  http::bhttp::write(client.socket(), request);
  http::bhttp::response_parser<http::bhttp::string_body> parser;
  boost::system::error_code ec;
  http::bhttp::read(client.socket(), client.buffer(), parser, ec);
  EXPECT_EQ(ec, http::bhttp::error::partial_message);
  EXPECT_EQ(parser.get().result(), status::ok);
  const auto events = sse_events(parser.get().body());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(json::parse(events[2]).at("choices").at(0).at("delta").at("content"), " tok2");
}

TEST_F(FakeUpstreamTest, DisconnectAfterWithoutStreamSendsNothing) {
  Client client(upstream_->port());
  auto request = post("/v1/chat/completions", chat_body(false));
  request.set("X-Fake-Disconnect-After", "0");
  request.prepare_payload();
  http::bhttp::write(client.socket(), request);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(FakeUpstreamTest, ModelsAndUnknownPaths) {
  Client client(upstream_->port());
  Request models{verb::get, "/v1/models", 11};
  const Response listed = client.round_trip(models);
  EXPECT_EQ(json::parse(listed.body()).at("data").at(0).at("id"), "fake-model");
  Request unknown{verb::get, "/v1/nothing", 11};
  EXPECT_EQ(client.round_trip(unknown).result(), status::not_found);
  Request wrong_method{verb::get, "/v1/chat/completions", 11};
  EXPECT_EQ(client.round_trip(wrong_method).result(), status::method_not_allowed);
  EXPECT_TRUE(upstream_->wait_for_requests(3, std::chrono::seconds(5)));
  EXPECT_EQ(upstream_->request_count(), 3u);
}

TEST(FakeUpstreamOptionsTest, ConfiguredTokensAndDefaultModel) {
  FakeUpstreamOptions options;
  options.tokens = 2;
  options.model = "default-model";
  auto upstream = FakeUpstream::start(options);
  ASSERT_TRUE(upstream);
  EXPECT_EQ((*upstream)->base_url(), "http://127.0.0.1:" + std::to_string((*upstream)->port()));
  Client client((*upstream)->port());
  const json::value answer = json::parse(
      client.round_trip(post("/v1/completions", json::object{{"prompt", "a b"}})).body());
  EXPECT_EQ(answer.at("model"), "default-model");
  EXPECT_EQ(answer.at("choices").at(0).at("text"), "tok0 tok1");
  EXPECT_EQ(answer.at("usage").at("prompt_tokens"), 2);
}

TEST(FakeUpstreamOptionsTest, StopIsIdempotentAndRefusesNewConnections) {
  auto upstream = FakeUpstream::start();
  ASSERT_TRUE(upstream);
  const auto port = (*upstream)->port();
  (*upstream)->stop();
  (*upstream)->stop();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::address_v4::loopback(), port}, ec);
  EXPECT_EQ(ec, boost::asio::error::connection_refused);
}

}  // namespace
}  // namespace safemig::testing
