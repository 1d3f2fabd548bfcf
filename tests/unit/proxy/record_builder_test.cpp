// Tests of build_record and the failure classes: success, upstream errors, client disconnect,
// timeouts and refused connections.
#include "safemig/proxy/record_builder.h"

#include <gtest/gtest.h>

namespace safemig::proxy {
namespace {

using std::chrono::microseconds;

Exchange base_exchange() {
  Exchange x;
  x.started_at = dao::from_epoch_ms(1795332600000);
  x.total = microseconds(123456);
  x.proxy_request_id = "proxy-own-1";
  x.origin = "127.0.0.1";
  x.upstream = "http://127.0.0.1:9999";
  x.request.model = "gpt-x";
  x.request.max_tokens = 32;
  x.request.temperature = 0.7;
  x.request.top_p = 0.9;
  x.request.message_count = 2;
  return x;
}

TEST(RecordBuilderTest, NonStreamingSuccess) {
  Exchange x = base_exchange();
  x.upstream_status = 200;
  x.response.id = "chatcmpl-9";
  x.response.prompt_tokens = 10;
  x.response.completion_tokens = 20;
  x.response.total_tokens = 30;
  x.response.finish_reason = "stop";
  const dao::CompletionRequest r = build_record(x);
  EXPECT_EQ(r.request_id, "chatcmpl-9");
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.response_time_ms, 123);
  EXPECT_EQ(r.model, "gpt-x");
  EXPECT_EQ(r.origin, "127.0.0.1");
  EXPECT_EQ(r.upstream, "http://127.0.0.1:9999");
  EXPECT_FALSE(r.is_streaming);
  EXPECT_EQ(r.max_tokens, 32);
  EXPECT_EQ(r.temperature, 0.7);
  EXPECT_EQ(r.top_p, 0.9);
  EXPECT_EQ(r.message_count, 2);
  EXPECT_EQ(r.total_tokens, 30);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_FALSE(r.error_type.has_value());
  EXPECT_FALSE(r.time_to_first_token_ms.has_value());
  EXPECT_FALSE(r.tokens_per_second.has_value());
  EXPECT_EQ(dao::to_epoch_ms(r.timestamp), 1795332600000);
}

TEST(RecordBuilderTest, StreamingSuccessHasTimings) {
  Exchange x = base_exchange();
  x.request.stream = true;
  x.upstream_status = 200;
  x.response.completion_tokens = 10;
  x.first_token = microseconds(50'000);
  x.last_token = microseconds(550'000);
  const dao::CompletionRequest r = build_record(x);
  EXPECT_TRUE(r.is_streaming);
  EXPECT_EQ(r.time_to_first_token_ms, 50);
  EXPECT_EQ(r.time_to_last_token_ms, 550);
  ASSERT_TRUE(r.tokens_per_second.has_value());
  EXPECT_DOUBLE_EQ(*r.tokens_per_second, 20.0);
  EXPECT_EQ(r.request_id, "proxy-own-1");
}

TEST(RecordBuilderTest, StreamingWithoutUsageLeavesTokensNull) {
  Exchange x = base_exchange();
  x.request.stream = true;
  x.upstream_status = 200;
  x.first_token = microseconds(1000);
  x.last_token = microseconds(2000);
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.prompt_tokens.has_value());
  EXPECT_FALSE(r.completion_tokens.has_value());
  EXPECT_FALSE(r.total_tokens.has_value());
  EXPECT_FALSE(r.tokens_per_second.has_value());
  EXPECT_EQ(r.time_to_first_token_ms, 1);
}

TEST(RecordBuilderTest, UpstreamErrorTakesTypeFromBody) {
  Exchange x = base_exchange();
  x.upstream_status = 429;
  x.response.error.type = "rate_limit_exceeded";
  x.response.error.message = "slow down";
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.status_code, 429);
  EXPECT_EQ(r.error_type, "rate_limit_exceeded");
  EXPECT_EQ(r.error_message, "slow down");
}

TEST(RecordBuilderTest, UpstreamErrorWithoutBodyTakesStatusClass) {
  Exchange x = base_exchange();
  x.upstream_status = 500;
  EXPECT_EQ(build_record(x).error_type, "http_5xx");
  x.upstream_status = 404;
  EXPECT_EQ(build_record(x).error_type, "http_4xx");
}

TEST(RecordBuilderTest, ClientDisconnectIs499WithPartialTimings) {
  Exchange x = base_exchange();
  x.request.stream = true;
  x.upstream_status = 200;
  x.failure = Failure::client_disconnect;
  x.first_token = microseconds(3000);
  x.last_token = microseconds(7000);
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_disconnect");
  EXPECT_EQ(r.time_to_first_token_ms, 3);
  EXPECT_EQ(r.time_to_last_token_ms, 7);
}

// A client that stopped reading was cut off by the proxy: still a 499, but not "it left".
TEST(RecordBuilderTest, StalledClientIsAClientTimeout) {
  Exchange x = base_exchange();
  x.request.stream = true;
  x.upstream_status = 200;
  x.failure = Failure::client_timeout;
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.status_code, 499);
  EXPECT_EQ(r.error_type, "client_timeout");
  ASSERT_TRUE(r.error_message.has_value());
  EXPECT_NE(r.error_message->find("stopped reading the response"), std::string::npos);
}

TEST(RecordBuilderTest, TimeoutAndRefusedConnection) {
  Exchange x = base_exchange();
  x.failure = Failure::upstream_timeout;
  dao::CompletionRequest r = build_record(x);
  EXPECT_EQ(r.status_code, 504);
  EXPECT_EQ(r.error_type, "upstream_timeout");
  EXPECT_FALSE(r.success);
  x.failure = Failure::upstream_unreachable;
  x.failure_detail = "Connection refused";
  r = build_record(x);
  EXPECT_EQ(r.status_code, 502);
  EXPECT_EQ(r.error_type, "upstream_unreachable");
  ASSERT_TRUE(r.error_message.has_value());
  EXPECT_NE(r.error_message->find("Connection refused"), std::string::npos);
}

TEST(RecordBuilderTest, InStreamErrorFailsA200) {
  Exchange x = base_exchange();
  x.upstream_status = 200;
  x.response.error.message = "overloaded";
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_type, "stream_error");
}

TEST(RecordBuilderTest, StreamCutShortUpstreamFailsA200AndKeepsItsFigures) {
  Exchange x = base_exchange();
  x.request.stream = true;
  x.upstream_status = 200;
  x.stream_incomplete = true;
  x.first_token = microseconds(1000);
  x.last_token = microseconds(9000);
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.error_type, "incomplete_stream");
  EXPECT_EQ(r.error_message,
            "the upstream ended the stream without a finish_reason or data: [DONE]");
  EXPECT_EQ(r.time_to_first_token_ms, 1);
  EXPECT_EQ(r.time_to_last_token_ms, 9);
}

TEST(RecordBuilderTest, MissingModelAndNegativeCountsAreNormalised) {
  Exchange x = base_exchange();
  x.request.model.reset();
  x.request.max_tokens = -1;
  x.upstream_status = 200;
  x.response.prompt_tokens = -3;
  const dao::CompletionRequest r = build_record(x);
  EXPECT_EQ(r.model, "unknown");
  EXPECT_FALSE(r.max_tokens.has_value());
  EXPECT_FALSE(r.prompt_tokens.has_value());
}

TEST(RecordBuilderTest, LongErrorMessagesAreClipped) {
  Exchange x = base_exchange();
  x.upstream_status = 400;
  x.response.error.message = std::string(2000, 'e');
  EXPECT_EQ(build_record(x).error_message->size(), kMaxErrorMessageBytes);
}

TEST(FailureTest, StatusesAndTypes) {
  EXPECT_EQ(failure_status(Failure::upstream_unreachable), 502);
  EXPECT_EQ(failure_status(Failure::upstream_timeout), 504);
  EXPECT_EQ(failure_status(Failure::upstream_protocol), 502);
  EXPECT_EQ(failure_status(Failure::client_disconnect), 499);
  EXPECT_EQ(failure_status(Failure::proxy_overloaded), 503);
  EXPECT_EQ(failure_type(Failure::proxy_overloaded), "proxy_overloaded");
  EXPECT_NE(failure_message(Failure::proxy_overloaded, "http://u", "").find("ulimit -n"),
            std::string::npos);
  EXPECT_EQ(failure_type(Failure::upstream_protocol), "upstream_bad_response");
  EXPECT_EQ(failure_status(Failure::request_too_large), 413);
  EXPECT_EQ(failure_type(Failure::request_too_large), "request_too_large");
  EXPECT_EQ(failure_status(Failure::bodies_over_budget), 503);
  EXPECT_EQ(failure_type(Failure::bodies_over_budget), "server_overloaded");
  EXPECT_EQ(status_class_error_type(200), "");
  EXPECT_EQ(status_class_error_type(302), "http_3xx");
  EXPECT_EQ(status_class_error_type(503), "http_5xx");
  EXPECT_NE(failure_message(Failure::upstream_timeout, "http://u", "").find("http://u"),
            std::string::npos);
}

TEST(RecordBuilderTest, NamesTheEndpointAndCountsItsInputs) {
  Exchange x = base_exchange();
  x.upstream_status = 200;
  x.request.input_count = 3;
  EXPECT_EQ(build_record(x).endpoint, "chat/completions");
  EXPECT_EQ(build_record(x).message_count, 2);
  x.endpoint = Endpoint::embeddings;
  EXPECT_EQ(build_record(x).endpoint, "embeddings");
  EXPECT_EQ(build_record(x).message_count, 3);
  x.endpoint = Endpoint::responses;
  EXPECT_EQ(build_record(x).endpoint, "responses");
  EXPECT_EQ(build_record(x).message_count, 3);
  x.endpoint = Endpoint::completions;
  EXPECT_EQ(build_record(x).endpoint, "completions");
  EXPECT_FALSE(build_record(x).message_count.has_value());
}

TEST(RecordBuilderTest, TakesTheResponsesModelWhenTheRequestNamedNone) {
  Exchange x = base_exchange();
  x.upstream_status = 200;
  x.request.model = std::nullopt;
  x.response.model = "gpt-4o-2024-08-06";
  EXPECT_EQ(build_record(x).model, "gpt-4o-2024-08-06");
  x.request.model = "gpt-4o";
  EXPECT_EQ(build_record(x).model, "gpt-4o");
}

TEST(RecordBuilderTest, AResponsesStreamCutShortSaysWhichEventIsMissing) {
  Exchange x = base_exchange();
  x.endpoint = Endpoint::responses;
  x.upstream_status = 200;
  x.request.stream = true;
  x.stream_incomplete = true;
  const dao::CompletionRequest r = build_record(x);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_type, "incomplete_stream");
  EXPECT_EQ(r.error_message,
            "the upstream ended the stream without response.completed, .incomplete or .failed");
}

}  // namespace
}  // namespace safemig::proxy
