// Tests of read_responses_json and summarize_responses_body: Responses API bodies and stream
// events as the official API sends them (usage in input/output tokens, status, errors).
#include "responses_reader.h"

#include <gtest/gtest.h>

namespace safemig::proxy {
namespace {

const char* const kBody = R"({"id":"resp_67cc","object":"response","created_at":1741476542,
  "status":"completed","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14",
  "output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant",
    "content":[{"type":"output_text","text":"In a peaceful grove","annotations":[]}]}],
  "max_output_tokens":null,"temperature":1.0,
  "usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,
    "output_tokens_details":{"reasoning_tokens":0},"total_tokens":123}})";

TEST(ResponsesReaderTest, ReadsABodysIdModelUsageAndStatus) {
  const ResponseSummary s = summarize_responses_body(kBody);
  EXPECT_EQ(s.id, "resp_67cc");
  EXPECT_EQ(s.model, "gpt-4.1-2025-04-14");
  EXPECT_EQ(s.prompt_tokens, 36);
  EXPECT_EQ(s.completion_tokens, 87);
  EXPECT_EQ(s.total_tokens, 123);
  EXPECT_EQ(s.finish_reason, "completed");
  EXPECT_FALSE(s.error.present());
}

TEST(ResponsesReaderTest, AnIncompleteResponseFinishesWithItsReason) {
  const ResponseSummary s = summarize_responses_body(
      R"({"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
         "usage":{"input_tokens":5,"output_tokens":16,"total_tokens":21}})");
  EXPECT_EQ(s.finish_reason, "max_output_tokens");
  EXPECT_EQ(s.completion_tokens, 16);
}

TEST(ResponsesReaderTest, AFailedResponseIsAnError) {
  const ResponseSummary with_error = summarize_responses_body(
      R"({"id":"r","status":"failed","error":{"code":"server_error","message":"boom"}})");
  EXPECT_EQ(with_error.error.type, "server_error");
  EXPECT_EQ(with_error.error.message, "boom");
  const ResponseSummary without = summarize_responses_body(R"({"id":"r","status":"failed"})");
  EXPECT_EQ(without.error.type, "response_failed");
}

TEST(ResponsesReaderTest, ReadsTheResponseOfTheCompletedEvent) {
  const auto facts = read_responses_json(
      R"({"type":"response.completed","sequence_number":9,"response":{"id":"resp_1",
         "object":"response","status":"completed","model":"gpt-4o","output":[],
         "usage":{"input_tokens":7,"output_tokens":3,"total_tokens":10}}})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_TRUE(facts->terminal);
  EXPECT_TRUE(facts->usage_is_object);
  EXPECT_FALSE(facts->carries_token);
  EXPECT_EQ(facts->summary.id, "resp_1");
  EXPECT_EQ(facts->summary.prompt_tokens, 7);
  EXPECT_EQ(facts->summary.total_tokens, 10);
  EXPECT_EQ(facts->summary.finish_reason, "completed");
}

TEST(ResponsesReaderTest, TheCreatedEventNeitherEndsNorFinishes) {
  const auto facts = read_responses_json(
      R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_1",
         "status":"in_progress","usage":null,"error":null}})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_FALSE(facts->terminal);
  EXPECT_FALSE(facts->usage_is_object);
  EXPECT_EQ(facts->summary.id, "resp_1");
  EXPECT_FALSE(facts->summary.finish_reason.has_value());
}

TEST(ResponsesReaderTest, OnlyNonEmptyOutputDeltasCarryTokens) {
  auto facts = read_responses_json(
      R"({"type":"response.output_text.delta","item_id":"msg_1","output_index":0,
         "content_index":0,"delta":"Hi","sequence_number":4})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_TRUE(facts->carries_token);
  EXPECT_FALSE(facts->summary.id.has_value());
  facts = read_responses_json(R"({"delta":"","type":"response.output_text.delta"})");
  EXPECT_FALSE(facts->carries_token);
  facts = read_responses_json(R"({"type":"response.output_text.done","text":"Hi"})");
  EXPECT_FALSE(facts->carries_token);
  facts =
      read_responses_json(R"({"delta":"{\"a\"","type":"response.function_call_arguments.delta"})");
  EXPECT_TRUE(facts->carries_token);
}

TEST(ResponsesReaderTest, AnErrorEventIsAnError) {
  const auto facts = read_responses_json(
      R"({"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null,
         "sequence_number":1})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->summary.error.type, "rate_limit_exceeded");
  EXPECT_EQ(facts->summary.error.message, "slow down");
}

TEST(ResponsesReaderTest, WhatIsNotAnObjectGivesNothing) {
  EXPECT_FALSE(read_responses_json("{not json").has_value());
  EXPECT_FALSE(read_responses_json("[1]").has_value());
  EXPECT_FALSE(summarize_responses_body("").id.has_value());
}

}  // namespace
}  // namespace safemig::proxy
