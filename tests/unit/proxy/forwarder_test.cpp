// Tests of the Forwarder through its seams: a scripted upstream breaks one exact step of a
// forwarded request or stream (connect, send, head, body), a scripted channel breaks the client
// (its Nth write, or its leaving); each test checks what the client got and the record.
#include "safemig/proxy/forwarder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <string>
#include <vector>

#include "support/mocks/scripted_response_channel.h"
#include "support/mocks/scripted_upstream_pool.h"

namespace safemig::proxy {
namespace {

namespace asio = boost::asio;
namespace bhttp = http::bhttp;
using testing::BodyStep;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LinkScript;
using ::testing::Not;
using testing::ScriptedResponseChannel;
using testing::ScriptedUpstreamPool;

constexpr std::string_view kKey = "sk-proj-4f9Qz7LmN2xR8tY5wK3vB6cJ1hG0dS";
constexpr std::string_view kPrompt = "Summarise the quarterly figures for Ganymede Mining Ltd";

std::string chat_body(bool stream) {
  return std::string(R"({"model":"m","stream":)") + (stream ? "true" : "false") +
         R"(,"messages":[{"role":"user","content":")" + std::string(kPrompt) + R"("}]})";
}

http::Request chat_request(bool stream) {
  http::Request request(bhttp::verb::post, "/v1/chat/completions", 11);
  request.set(bhttp::field::host, "proxy.test");
  request.set(bhttp::field::content_type, "application/json");
  request.set(bhttp::field::authorization, "Bearer " + std::string(kKey));
  request.body() = chat_body(stream);
  request.prepare_payload();
  return request;
}

const std::string kCompletion =
    R"({"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},)"
    R"("finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,)"
    R"("total_tokens":6}})";

LinkScript json_reply(const std::string& body, unsigned status = 200) {
  LinkScript script;
  script.status = status;
  script.fields = {{"Content-Type", "application/json"},
                   {"Content-Length", std::to_string(body.size())}};
  script.body = {BodyStep::piece(body)};
  return script;
}

std::string event(const std::string& data) { return "data: " + data + "\n\n"; }
const std::string kToken =
    event(R"({"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"a"}}]})");
const std::string kFinish =
    event(R"({"id":"chatcmpl-2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
const std::string kUsage =
    event(R"({"id":"chatcmpl-2","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,)"
          R"("total_tokens":7}})");
const std::string kDone = "data: [DONE]\n\n";

LinkScript stream_reply(std::vector<BodyStep> steps) {
  LinkScript script;
  script.fields = {{"Content-Type", "text/event-stream"}, {"Transfer-Encoding", "chunked"}};
  script.body = std::move(steps);
  return script;
}

class ForwarderTest : public ::testing::Test {
 protected:
  // Forwards `request` to completion on the test's io_context.
  void forward(http::Request request) {
    Forwarder forwarder = make_forwarder();
    start(forwarder, std::move(request));
    io_.run();
  }

  Forwarder make_forwarder() {
    return Forwarder(
        upstream_, [this](dao::CompletionRequest r) { records_.push_back(std::move(r)); }, metrics_,
        options_);
  }

  void start(Forwarder& forwarder, http::Request request) {
    http::RequestContext context{"127.0.0.1", std::chrono::steady_clock::now()};
    asio::co_spawn(io_, forwarder.handle(std::move(request), std::move(context), channel_),
                   [](const std::exception_ptr& e) {
                     if (e) std::rethrow_exception(e);
                   });
  }

  const dao::CompletionRequest& record() {
    EXPECT_EQ(records_.size(), 1u);
    if (records_.empty()) records_.emplace_back();
    return records_.front();
  }

  asio::io_context io_;
  ScriptedUpstreamPool upstream_;
  ScriptedResponseChannel channel_{io_.get_executor()};
  ProxyMetrics metrics_;
  ForwarderOptions options_;
  std::vector<dao::CompletionRequest> records_;
};

TEST_F(ForwarderTest, CompleteResponseIsRelayedRecordedAndItsLinkParked) {
  auto link = upstream_.add_link(json_reply(kCompletion));
  forward(chat_request(false));
  ASSERT_TRUE(channel_.head.has_value());
  EXPECT_EQ(channel_.head->result_int(), 200u);
  EXPECT_EQ(channel_.body, kCompletion);
  EXPECT_TRUE(channel_.finished);
  EXPECT_THAT(link->sent_body, HasSubstr(std::string(kPrompt)));
  EXPECT_EQ(upstream_.parked(), 1u);
  EXPECT_FALSE(link->closed);
  const auto& r = record();
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.request_id, "chatcmpl-1");
  EXPECT_EQ(r.total_tokens, 6);
}

TEST_F(ForwarderTest, ConnectFailureIsAnswered502AndRecordedAsUpstreamUnreachable) {
  upstream_.add_connect_failure(
      {Failure::upstream_unreachable, "connecting to upstream.test:80: Connection refused", false});
  forward(chat_request(false));
  ASSERT_TRUE(channel_.response.has_value());
  EXPECT_EQ(channel_.response->result_int(), 502u);
  EXPECT_THAT(channel_.response->body(), HasSubstr("upstream_unreachable"));
  EXPECT_THAT(channel_.response->body(), HasSubstr("Connection refused"));
  const auto& r = record();
  EXPECT_EQ(r.status_code, 502);
  EXPECT_EQ(r.error_type, "upstream_unreachable");
}

TEST_F(ForwarderTest, SendFailureWithoutAnAnswerIsAnswered502) {
  LinkScript broken;
  broken.send_failure = {Failure::upstream_unreachable, "sending the request: Broken pipe", false};
  broken.head_failure = {Failure::upstream_protocol, "reading the response head: end of stream",
                         false};
  auto link = upstream_.add_link(broken);
  forward(chat_request(false));
  ASSERT_TRUE(channel_.response.has_value());
  EXPECT_EQ(channel_.response->result_int(), 502u);
  EXPECT_THAT(channel_.response->body(), HasSubstr("Broken pipe"));
  // The upstream may have answered before it read the whole request: that answer is looked for.
  EXPECT_THAT(link->calls, ElementsAre("send", "read_head"));
  EXPECT_EQ(record().error_type, "upstream_unreachable");
}

TEST_F(ForwarderTest, SendFailureOnAParkedLinkTheUpstreamClosedGoesAgainOnANewLink) {
  LinkScript stale;
  stale.send_failure = {Failure::upstream_unreachable, "sending the request: Broken pipe", true};
  stale.head_failure = stale.send_failure;
  auto parked = upstream_.park_link(stale);
  auto fresh = upstream_.add_link(json_reply(kCompletion));
  forward(chat_request(false));
  EXPECT_EQ(upstream_.connects(), 1u);
  EXPECT_EQ(fresh->calls.front(), "send");
  EXPECT_EQ(channel_.body, kCompletion);
  EXPECT_TRUE(record().success);
}

TEST_F(ForwarderTest, HeadTimeoutIsAnswered504AndRecordedAsUpstreamTimeout) {
  LinkScript silent;
  silent.head_failure = {Failure::upstream_timeout, "reading the response head: timed out", false};
  upstream_.add_link(silent);
  forward(chat_request(false));
  ASSERT_TRUE(channel_.response.has_value());
  EXPECT_EQ(channel_.response->result_int(), 504u);
  EXPECT_THAT(channel_.response->body(), HasSubstr("did not answer in time"));
  const auto& r = record();
  EXPECT_EQ(r.status_code, 504);
  EXPECT_EQ(r.error_type, "upstream_timeout");
}

TEST_F(ForwarderTest, BodyReadFailingMidwayCutsTheClientOffAndIsRecordedAsBadResponse) {
  LinkScript script = json_reply(kCompletion);
  script.body = {BodyStep::piece(kCompletion.substr(0, 20)),
                 BodyStep::fails({Failure::upstream_protocol,
                                  "reading the response body: end of stream", false})};
  auto link = upstream_.add_link(script);
  forward(chat_request(false));
  ASSERT_TRUE(channel_.head.has_value());
  EXPECT_EQ(channel_.body, kCompletion.substr(0, 20));
  EXPECT_FALSE(channel_.finished);  // The server closes the connection: the client sees it cut.
  EXPECT_TRUE(link->closed);
  const auto& r = record();
  EXPECT_EQ(r.status_code, 502);
  EXPECT_EQ(r.error_type, "upstream_bad_response");
}

TEST_F(ForwarderTest, ClientWriteFailingAtTheHeadIsAClientDisconnectAndClosesTheUpstream) {
  auto link = upstream_.add_link(stream_reply({BodyStep::piece(kToken), BodyStep::piece(kDone)}));
  channel_.fail_write(1);
  forward(chat_request(true));
  EXPECT_FALSE(channel_.head.has_value());
  EXPECT_TRUE(link->closed);
  EXPECT_EQ(link->body_reads, 0u);
  const auto& r = record();
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_disconnect");
}

TEST_F(ForwarderTest, ClientWriteFailingAtTheNthEventKeepsTheTimingsSeenSoFar) {
  auto link = upstream_.add_link(
      stream_reply({BodyStep::piece(kToken), BodyStep::piece(kToken), BodyStep::piece(kFinish),
                    BodyStep::piece(kUsage), BodyStep::piece(kDone)}));
  channel_.fail_write(3);  // The head, the first token, then the second token fails.
  forward(chat_request(true));
  EXPECT_EQ(channel_.body, kToken);
  EXPECT_TRUE(link->closed);
  EXPECT_EQ(link->body_reads, 2u);
  const auto& r = record();
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_disconnect");
  EXPECT_TRUE(r.time_to_first_token_ms.has_value());
  EXPECT_FALSE(r.total_tokens.has_value());
}

TEST_F(ForwarderTest, ClientThatStopsReadingIsAClientTimeout) {
  upstream_.add_link(stream_reply({BodyStep::piece(kToken), BodyStep::piece(kDone)}));
  channel_.fail_write(2, ErrorCode::aborted);
  forward(chat_request(true));
  EXPECT_TRUE(channel_.head.has_value());
  EXPECT_EQ(channel_.body, "");
  const auto& r = record();
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_timeout");
}

TEST_F(ForwarderTest, StreamEndingWithoutDoneOrFinishReasonIsAnIncompleteStream) {
  upstream_.add_link(stream_reply({BodyStep::piece(kToken), BodyStep::piece(kToken)}));
  forward(chat_request(true));
  EXPECT_EQ(channel_.body, kToken + kToken);
  EXPECT_TRUE(channel_.finished);
  const auto& r = record();
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.error_type, "incomplete_stream");
}

TEST_F(ForwarderTest, CompleteStreamIsRecordedWithItsUsageAndTheAddedUsageChunkHidden) {
  auto link = upstream_.add_link(stream_reply({BodyStep::piece(kToken), BodyStep::piece(kFinish),
                                               BodyStep::piece(kUsage), BodyStep::piece(kDone)}));
  forward(chat_request(true));
  EXPECT_THAT(link->sent_body, HasSubstr(R"("include_usage":true)"));
  EXPECT_EQ(channel_.body, kToken + kFinish + kDone);
  EXPECT_TRUE(channel_.finished);
  const auto& r = record();
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.total_tokens, 7);
  EXPECT_EQ(upstream_.parked(), 1u);
}

// The client leaves while the upstream is silent between two tokens: the watch notices, the
// upstream link is closed at once and the record is handed over before the upstream's next token
// is ever read.
TEST_F(ForwarderTest, ClientLeavingWhileTheStreamIsSilentClosesTheUpstreamAtOnce) {
  options_.upstream_timeout = std::chrono::seconds(20);
  auto link = upstream_.add_link(stream_reply({BodyStep::piece(kToken), BodyStep::silence(),
                                               BodyStep::piece(kToken), BodyStep::piece(kDone)}));
  channel_.leave_after_write(2);  // The head, then the first token.
  forward(chat_request(true));
  EXPECT_EQ(channel_.body, kToken);
  EXPECT_TRUE(link->closed);
  EXPECT_EQ(link->body_reads, 2u);  // The token and the silence: the next token was never read.
  EXPECT_THAT(link->calls,
              ElementsAre("send", "read_head", "read_body", "read_body", "close", "close"));
  const auto& r = record();
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_disconnect");
  EXPECT_TRUE(r.time_to_first_token_ms.has_value());
  EXPECT_THAT(r.error_message.value_or(""), HasSubstr("while the response body was relayed"));
}

// The shutdown timeout ends a stream whose upstream is silent: its link is closed, the client's
// stream is cut, and the record says proxy_shutdown with the timings seen so far.
TEST_F(ForwarderTest, AbortAllEndsASilentStreamAsAShutdown) {
  options_.upstream_timeout = std::chrono::seconds(20);
  auto link = upstream_.add_link(
      stream_reply({BodyStep::piece(kToken), BodyStep::silence(), BodyStep::piece(kDone)}));
  Forwarder forwarder = make_forwarder();
  start(forwarder, chat_request(true));
  while (link->body_reads < 2 && io_.run_one() > 0) {
  }
  ASSERT_EQ(link->body_reads, 2u) << "the stream never reached its silence";
  EXPECT_EQ(forwarder.abort_all(), 1u);
  io_.run();
  EXPECT_TRUE(link->closed);
  EXPECT_EQ(channel_.body, kToken);
  EXPECT_FALSE(channel_.finished);
  const auto& r = record();
  EXPECT_EQ(r.status_code, 503);
  EXPECT_EQ(r.error_type, "proxy_shutdown");
  EXPECT_TRUE(r.time_to_first_token_ms.has_value());
}

TEST_F(ForwarderTest, ClientLeavingWhileAPlainBodyIsSilentClosesTheUpstreamAtOnce) {
  options_.upstream_timeout = std::chrono::seconds(20);
  LinkScript script = json_reply(kCompletion);
  script.body = {BodyStep::piece(kCompletion.substr(0, 10)), BodyStep::silence(),
                 BodyStep::piece(kCompletion.substr(10))};
  auto link = upstream_.add_link(script);
  channel_.leave_after_write(2);
  forward(chat_request(false));
  EXPECT_TRUE(link->closed);
  EXPECT_EQ(link->body_reads, 2u);
  const auto& r = record();
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_disconnect");
}

TEST_F(ForwarderTest, ClientLeavingBeforeTheHeadIsRecordedWithAMessageThatSaysItOnce) {
  options_.upstream_timeout = std::chrono::seconds(20);
  LinkScript thinking;
  thinking.silent_head = true;
  auto link = upstream_.add_link(thinking);
  channel_.leave_after_write(0);
  forward(chat_request(false));
  EXPECT_EQ(channel_.writes, 0u);
  EXPECT_TRUE(link->closed);
  const auto& r = record();
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_disconnect");
  EXPECT_EQ(r.error_message,
            "the client closed the connection before the whole response was sent (the upstream "
            "had not answered yet)");
}

// An upstream whose validation error echoes the request: the client gets the upstream's answer
// as it was, the record keeps the message without the key or the prompt.
std::string echoing_error() {
  return R"({"error":{"type":"invalid_request_error","message":"Invalid request from key )" +
         std::string(kKey) + R"(: messages[0].content ')" + std::string(kPrompt) +
         R"(' is too long for model m"}})";
}

TEST_F(ForwarderTest, UpstreamErrorEchoingTheKeyAndPromptIsStoredRedacted) {
  upstream_.add_link(json_reply(echoing_error(), 400));
  forward(chat_request(false));
  EXPECT_EQ(channel_.body, echoing_error());
  const auto& r = record();
  EXPECT_EQ(r.status_code, 400);
  EXPECT_EQ(r.error_type, "invalid_request_error");
  ASSERT_TRUE(r.error_message.has_value());
  EXPECT_THAT(*r.error_message, Not(HasSubstr(std::string(kKey).substr(8, 12))));
  EXPECT_THAT(*r.error_message, Not(HasSubstr("Ganymede")));
  EXPECT_THAT(*r.error_message, HasSubstr("[redacted]"));
  EXPECT_THAT(*r.error_message, HasSubstr("is too long for model m"));
}

TEST_F(ForwarderTest, ErrorMessagesOffStoresNoUpstreamMessageButKeepsTheType) {
  options_.error_messages = ErrorMessages::off;
  upstream_.add_link(json_reply(echoing_error(), 400));
  forward(chat_request(false));
  const auto& r = record();
  EXPECT_EQ(r.error_type, "invalid_request_error");
  EXPECT_FALSE(r.error_message.has_value());
}

}  // namespace
}  // namespace safemig::proxy
