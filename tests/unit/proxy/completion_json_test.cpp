// Tests of the completion body readers and the include_usage injection.
#include "safemig/proxy/completion_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace safemig::proxy {
namespace {

TEST(SummarizeRequestTest, ReadsRecordedParametersOnly) {
  const RequestSummary s = summarize_request(
      R"({"model":"gpt-x","max_tokens":64,"temperature":0.5,"top_p":1,"stream":true,
          "messages":[{"role":"user","content":"secret"},{"role":"assistant","content":"x"}]})");
  EXPECT_EQ(s.model, "gpt-x");
  EXPECT_EQ(s.max_tokens, 64);
  EXPECT_EQ(s.temperature, 0.5);
  EXPECT_EQ(s.top_p, 1.0);
  EXPECT_EQ(s.message_count, 2);
  EXPECT_TRUE(s.stream);
  EXPECT_FALSE(s.include_usage);
}

TEST(SummarizeRequestTest, MaxCompletionTokensAndIncludeUsage) {
  const RequestSummary s = summarize_request(
      R"({"model":"m","max_completion_tokens":9,"stream":true,
          "stream_options":{"include_usage":true}})");
  EXPECT_EQ(s.max_tokens, 9);
  EXPECT_TRUE(s.include_usage);
  EXPECT_FALSE(s.message_count.has_value());
}

TEST(SummarizeRequestTest, CountsTheInputsOfResponsesAndEmbeddingsRequests) {
  EXPECT_EQ(summarize_request(R"({"model":"m","input":"Tell me a story"})").input_count, 1);
  EXPECT_EQ(summarize_request(R"({"input":[{"role":"user","content":"a"},{"role":"user",)"
                              R"("content":[{"type":"input_text","text":"b"}]}]})")
                .input_count,
            2);
  EXPECT_EQ(summarize_request(R"({"input":["a","b","c"]})").input_count, 3);
  EXPECT_EQ(summarize_request(R"({"input":[1212,318,257]})").input_count, 1);
  EXPECT_EQ(summarize_request(R"({"input":[[1,2],[3]]})").input_count, 2);
  EXPECT_EQ(summarize_request(R"({"input":[]})").input_count, 0);
  EXPECT_FALSE(summarize_request(R"({"messages":[{"content":"input"}]})").input_count);
  EXPECT_EQ(summarize_request(R"({"max_output_tokens":64})").max_tokens, 64);
  EXPECT_EQ(summarize_request(R"({"max_output_tokens":64,"max_tokens":8})").max_tokens, 8);
}

TEST(SummarizeRequestTest, MalformedBodyGivesEmptySummary) {
  const RequestSummary s = summarize_request("{not json");
  EXPECT_FALSE(s.model.has_value());
  EXPECT_FALSE(s.stream);
  EXPECT_FALSE(summarize_request("[1,2]").model.has_value());
  EXPECT_FALSE(summarize_request(R"({"model":5})").model.has_value());
}

// Only top-level members count: the same names inside messages or other objects are ignored.
TEST(SummarizeRequestTest, IgnoresNestedMembersWithRecordedNames) {
  const RequestSummary s = summarize_request(
      R"({"messages":[{"model":"inner","max_tokens":1,"stream":true,"messages":[1,2,3]},
                      "text",[1,2],null,7],
          "tools":[{"stream_options":{"include_usage":true}}],
          "metadata":{"temperature":2,"top_p":3},
          "model":"outer"})");
  EXPECT_EQ(s.model, "outer");
  EXPECT_EQ(s.message_count, 5);
  EXPECT_FALSE(s.max_tokens.has_value());
  EXPECT_FALSE(s.temperature.has_value());
  EXPECT_FALSE(s.top_p.has_value());
  EXPECT_FALSE(s.stream);
  EXPECT_FALSE(s.include_usage);
}

TEST(SummarizeRequestTest, ReadsEscapedModelAndNumbersInEveryForm) {
  const RequestSummary s = summarize_request(
      R"({"model":"gpt-\u00e9\"x\"","max_tokens":1e2,"temperature":1,"top_p":18446744073709551615,
          "messages":[]})");
  EXPECT_EQ(s.model, "gpt-\xc3\xa9\"x\"");
  EXPECT_EQ(s.max_tokens, 100);
  EXPECT_EQ(s.temperature, 1.0);
  EXPECT_EQ(s.top_p, 18446744073709551615.0);
  EXPECT_EQ(s.message_count, 0);
}

TEST(SummarizeRequestTest, MembersOfTheWrongTypeAreAbsent) {
  const RequestSummary s = summarize_request(
      R"({"model":["m"],"max_tokens":"64","max_completion_tokens":2.5,"temperature":"hot",
          "messages":{"role":"user"},"stream":"yes","stream_options":{"include_usage":1}})");
  EXPECT_FALSE(s.model.has_value());
  EXPECT_FALSE(s.max_tokens.has_value());
  EXPECT_FALSE(s.temperature.has_value());
  EXPECT_FALSE(s.message_count.has_value());
  EXPECT_FALSE(s.stream);
  EXPECT_FALSE(s.include_usage);
}

TEST(SummarizeRequestTest, TruncatedOrTrailingBytesGiveEmptySummary) {
  EXPECT_FALSE(summarize_request(R"({"model":"m","messages":[)").model.has_value());
  EXPECT_FALSE(summarize_request(R"({"model":"m"} {"model":"n"})").model.has_value());
  EXPECT_FALSE(summarize_request("").model.has_value());
  EXPECT_EQ(summarize_request(" {\"model\":\"m\"}\r\n").model, "m");
}

TEST(WithIncludeUsageTest, AppendsStreamOptionsAndKeepsEveryOtherByte) {
  // Numbers keep their form, integers past 64 bits stay integers, duplicate keys stay.
  const std::string body =
      R"({"model":"m", "temperature":0.1,"seed":123456789012345678901234567890,)"
      R"("n":1,"n":2,"stream":true })";
  const auto edited = with_include_usage(body);
  ASSERT_TRUE(edited.has_value());
  EXPECT_EQ(*edited,
            body.substr(0, body.size() - 1) + R"(,"stream_options":{"include_usage":true}})");
  EXPECT_TRUE(summarize_request(*edited).include_usage);
}

TEST(WithIncludeUsageTest, SetsIncludeUsageInsideTheClientsStreamOptions) {
  EXPECT_EQ(with_include_usage(R"({"stream":true,"stream_options":{"include_usage":false,"x":1}})"),
            R"({"stream":true,"stream_options":{"include_usage":true,"x":1}})");
  EXPECT_EQ(with_include_usage(R"({"stream":true,"stream_options":{"x":1.50}})"),
            R"({"stream":true,"stream_options":{"x":1.50,"include_usage":true}})");
  EXPECT_EQ(with_include_usage(R"({"stream":true,"stream_options":{ }})"),
            R"({"stream":true,"stream_options":{ "include_usage":true}})");
  EXPECT_EQ(with_include_usage(R"({"stream_options": null,"stream":true})"),
            R"({"stream_options": {"include_usage":true},"stream":true})");
  EXPECT_EQ(with_include_usage(R"({"stream":true,"stream_options":{"include_usage" : "yes"}})"),
            R"({"stream":true,"stream_options":{"include_usage" : true}})");
}

TEST(WithIncludeUsageTest, EditsEveryTopLevelStreamOptionsAndNoNestedOne) {
  EXPECT_EQ(with_include_usage(R"({"stream_options":{},"stream_options":null,"stream":true})"),
            R"({"stream_options":{"include_usage":true},"stream_options":{"include_usage":true},)"
            R"("stream":true})");
  // A key written with an escape names the same member.
  EXPECT_EQ(with_include_usage(R"({"stream\u005foptions":{"a":"}"},"stream":true})"),
            R"({"stream\u005foptions":{"a":"}","include_usage":true},"stream":true})");
  // Members of the messages are prompt content, not options.
  EXPECT_EQ(with_include_usage(R"({"messages":[{"stream_options":null}],"stream":true})"),
            R"({"messages":[{"stream_options":null}],"stream":true,)"
            R"("stream_options":{"include_usage":true}})");
}

TEST(WithIncludeUsageTest, RefusesWhatItCannotEdit) {
  EXPECT_FALSE(with_include_usage("nope").has_value());
  EXPECT_FALSE(with_include_usage("").has_value());
  EXPECT_FALSE(with_include_usage("[1]").has_value());
  EXPECT_FALSE(with_include_usage(R"({"stream":tru})").has_value());
  EXPECT_FALSE(with_include_usage(R"({"stream":true} {})").has_value());
  EXPECT_FALSE(with_include_usage(R"({"stream":true,"stream_options":"x)").has_value());
  EXPECT_FALSE(with_include_usage(R"({"stream_options":3})").has_value());
  EXPECT_FALSE(with_include_usage(R"({"stream_options":[]})").has_value());
  EXPECT_FALSE(with_include_usage(R"({"stream_options":{},"stream_options":"x"})").has_value());
}

TEST(SummarizeResponseTest, ReadsIdUsageAndFinishReason) {
  const ResponseSummary s = summarize_response(
      R"({"id":"chatcmpl-1","choices":[{"index":0,"finish_reason":null},
          {"index":1,"finish_reason":"length"}],
          "usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})");
  EXPECT_EQ(s.id, "chatcmpl-1");
  EXPECT_EQ(s.finish_reason, "length");
  EXPECT_EQ(s.prompt_tokens, 3);
  EXPECT_EQ(s.completion_tokens, 5);
  EXPECT_EQ(s.total_tokens, 8);
  EXPECT_FALSE(s.error.present());
}

TEST(SummarizeResponseTest, ReadsOpenAiErrorTypeThenCode) {
  const ResponseSummary typed = summarize_response(
      R"({"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","code":null}})");
  EXPECT_EQ(typed.error.type, "rate_limit_exceeded");
  EXPECT_EQ(typed.error.message, "Rate limit reached");
  const ResponseSummary coded =
      summarize_response(R"({"error":{"message":"m","type":null,"code":"model_not_found"}})");
  EXPECT_EQ(coded.error.type, "model_not_found");
  const ResponseSummary numeric = summarize_response(R"({"error":{"code":503}})");
  EXPECT_EQ(numeric.error.type, "503");
  const ResponseSummary text = summarize_response(R"({"error":"overloaded"})");
  EXPECT_FALSE(text.error.type.has_value());
  EXPECT_EQ(text.error.message, "overloaded");
  EXPECT_FALSE(summarize_response("<html>bad gateway</html>").error.present());
}

}  // namespace
}  // namespace safemig::proxy

namespace safemig::proxy {
namespace {

TEST(WithoutNullUsageTest, CutsTheMemberKeepingOtherBytes) {
  EXPECT_EQ(without_null_usage(R"({"id":"x","choices":[],"usage":null})"),
            R"({"id":"x","choices":[]})");
  EXPECT_EQ(without_null_usage(R"({"id":"x", "usage" : null , "b":1})"), R"({"id":"x" , "b":1})");
  EXPECT_EQ(without_null_usage(R"({ "usage":null,"a":{"usage":null}})"),
            R"({ "a":{"usage":null}})");
  EXPECT_EQ(without_null_usage(R"({"usage":null})"), "{}");
  // Strings that end in escaped backslashes, or hold escaped quotes, end where JSON says.
  EXPECT_EQ(without_null_usage(R"({"a":"x\\","usage":null})"), R"({"a":"x\\"})");
  EXPECT_EQ(without_null_usage(R"({"a":"\\\"}","usage":null,"b":"\""})"),
            R"({"a":"\\\"}","b":"\""})");
  EXPECT_EQ(without_null_usage(R"({"\\":"\\\\","usage":null})"), R"({"\\":"\\\\"})");
}

TEST(WithoutNullUsageTest, LeavesEverythingElse) {
  EXPECT_FALSE(without_null_usage(R"({"usage":{"total_tokens":1}})").has_value());
  EXPECT_FALSE(without_null_usage(R"({"a":{"usage":null}})").has_value());
  EXPECT_FALSE(without_null_usage(R"({"a":"\"usage\":null"})").has_value());
  EXPECT_FALSE(without_null_usage(R"({"a":"\\\"usage\\\":null"})").has_value());
  EXPECT_FALSE(without_null_usage(R"({"a":"unterminated\",)").has_value());
  EXPECT_FALSE(without_null_usage(R"({"a":["usage",null]})").has_value());
  EXPECT_FALSE(without_null_usage("[1]").has_value());
  EXPECT_FALSE(without_null_usage("").has_value());
}

TEST(SummarizeResponseTest, ReadsAnEmbeddingsResponse) {
  const ResponseSummary s = summarize_response(
      R"({"object":"list","data":[{"object":"embedding","index":0,)"
      R"("embedding":[0.0023064255,-0.009327292,-0.0028842222]}],)"
      R"("model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}})");
  EXPECT_EQ(s.model, "text-embedding-3-small");
  EXPECT_EQ(s.prompt_tokens, 8);
  EXPECT_EQ(s.total_tokens, 8);
  EXPECT_FALSE(s.completion_tokens.has_value());
  EXPECT_FALSE(s.id.has_value());
  EXPECT_FALSE(s.error.present());
}

}  // namespace
}  // namespace safemig::proxy
