// read_completion: the members of response bodies and stream chunks the proxy records, read
// without building a JSON tree.
#include "response_reader.h"

#include <gtest/gtest.h>

namespace safemig::proxy {
namespace {

TEST(ReadCompletionTest, NotAnObjectOrNotJsonIsNothing) {
  EXPECT_FALSE(read_completion("[1]").has_value());
  EXPECT_FALSE(read_completion("\"text\"").has_value());
  EXPECT_FALSE(read_completion(R"({"id":"a")").has_value());
  EXPECT_FALSE(read_completion(R"({"id":"a"}{"id":"b"})").has_value());
  EXPECT_FALSE(read_completion("{\"id\":\"\xff\"}").has_value());  // Not UTF-8.
  EXPECT_FALSE(read_completion("").has_value());
}

TEST(ReadCompletionTest, OnlyTopLevelMembersAndTheirOwnFieldsCount) {
  const auto facts = read_completion(
      R"({"meta":{"id":"inner","usage":{"total_tokens":99},"error":{"type":"x"}},
          "choices":[{"message":{"finish_reason":"inner"}},
                     {"finish_reason":null,"delta":{"usage":{"total_tokens":1}}},
                     7, "stop", {"finish_reason":"length"}, {"finish_reason":"stop"}],
          "id":"chatcmpl-\u00e9",
          "usage":{"prompt_tokens":1.0,"completion_tokens":2,"total_tokens":3,
                   "details":{"prompt_tokens":50}}})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->summary.id, "chatcmpl-\xc3\xa9");
  EXPECT_EQ(facts->summary.finish_reason, "length");
  EXPECT_EQ(facts->summary.prompt_tokens, 1);
  EXPECT_EQ(facts->summary.completion_tokens, 2);
  EXPECT_EQ(facts->summary.total_tokens, 3);
  EXPECT_FALSE(facts->summary.error.present());
  EXPECT_TRUE(facts->usage_is_object);
  EXPECT_EQ(facts->choice_count, 6u);
  EXPECT_FALSE(facts->carries_token);
}

TEST(ReadCompletionTest, MembersOfTheWrongTypeAreAbsent) {
  const auto facts = read_completion(
      R"({"id":7,"usage":[1],"choices":{"finish_reason":"stop"},"error":[{"type":"x"}]})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_FALSE(facts->summary.id.has_value());
  EXPECT_FALSE(facts->usage_is_object);
  EXPECT_FALSE(facts->usage_is_null);
  EXPECT_FALSE(facts->choice_count.has_value());
  EXPECT_FALSE(facts->summary.finish_reason.has_value());
  EXPECT_FALSE(facts->summary.error.present());
  const auto counts = read_completion(R"({"usage":{"prompt_tokens":-2,"completion_tokens":1.5,
                                          "total_tokens":"3"}})");
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->summary.prompt_tokens, -2);
  EXPECT_FALSE(counts->summary.completion_tokens.has_value());
  EXPECT_FALSE(counts->summary.total_tokens.has_value());
}

TEST(ReadCompletionTest, ErrorObjectsWithoutTypeCodeOrMessageAreStillErrors) {
  const auto empty = read_completion(R"({"error":{"param":null}})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->summary.error.type, "upstream_error");
  EXPECT_FALSE(empty->summary.error.message.has_value());
  const auto counted = read_completion(R"({"error":{"code":4.29e2,"message":"slow down"}})");
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(counted->summary.error.type, "429");
  EXPECT_EQ(counted->summary.error.message, "slow down");
  const auto none = read_completion(R"({"error":null})");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->summary.error.present());
}

TEST(ReadCompletionTest, UsageNullIsNotUsage) {
  const auto facts = read_completion(R"({"choices":[],"usage":null})");
  ASSERT_TRUE(facts.has_value());
  EXPECT_TRUE(facts->usage_is_null);
  EXPECT_FALSE(facts->usage_is_object);
  EXPECT_EQ(facts->choice_count, 0u);
}

TEST(ReadCompletionTest, TokensAreNonEmptyOutputOfAChoice) {
  const auto carries = [](std::string_view json) {
    const auto facts = read_completion(json);
    return facts.has_value() && facts->carries_token;
  };
  EXPECT_TRUE(carries(R"({"choices":[{"text":"a"}]})"));
  EXPECT_TRUE(carries(R"({"choices":[{"delta":{"content":"a"}}]})"));
  EXPECT_TRUE(carries(R"({"choices":[{"delta":{"reasoning_content":"\n"}}]})"));
  EXPECT_TRUE(carries(R"({"choices":[{"delta":{"refusal":"no"}}]})"));
  EXPECT_TRUE(carries(R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})"));
  EXPECT_TRUE(carries(R"({"choices":[{"delta":{"function_call":{}}}]})"));
  EXPECT_FALSE(carries(R"({"choices":[{"text":""},{"delta":{"role":"assistant","content":""}}]})"));
  EXPECT_FALSE(carries(R"({"choices":[{"delta":{"tool_calls":[],"function_call":null}}]})"));
  EXPECT_FALSE(carries(R"({"choices":[{"message":{"content":"a"}}],"text":"a"})"));
  EXPECT_FALSE(carries(R"({"delta":{"content":"a"}})"));
}

}  // namespace
}  // namespace safemig::proxy
