// Tests of the spill journal's line format: round trips, nulls, refusals, and that a line holds
// exactly the table's fields.
#include "record_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <set>

#include "recorder_test_support.h"
#include "support/matchers.h"

namespace safemig::proxy::internal {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOkAndHolds;
using ::testing::HasSubstr;

std::string line_of(const dao::CompletionRequest& r) {
  std::string out;
  append_record_line(r, out);
  return out;
}

TEST(RecordJsonTest, RoundTripsEveryField) {
  dao::CompletionRequest r = testing::make_record("rt", 3);
  r.error_message = "upstream said no";
  r.endpoint = "embeddings";
  const std::string line = line_of(r);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_THAT(parse_record_line(std::string_view(line).substr(0, line.size() - 1)),
              IsOkAndHolds(r));
}

TEST(RecordJsonTest, RoundTripsAbsentValues) {
  dao::CompletionRequest r;
  r.timestamp = dao::from_epoch_ms(5);
  r.request_id = "minimal";
  r.model = "unknown";
  EXPECT_THAT(parse_record_line(line_of(r)), IsOkAndHolds(r));
}

TEST(RecordJsonTest, WritesNonFiniteNumbersAsNull) {
  dao::CompletionRequest r = testing::make_record("nan", 1);
  r.tokens_per_second = std::numeric_limits<double>::infinity();
  r.temperature = std::numeric_limits<double>::quiet_NaN();
  auto parsed = parse_record_line(line_of(r));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->tokens_per_second, std::nullopt);
  EXPECT_EQ(parsed->temperature, std::nullopt);
}

TEST(RecordJsonTest, HoldsExactlyTheColumnsOfTheTable) {
  const std::string line = line_of(testing::make_record("keys", 1));
  const boost::json::value v = boost::json::parse(line);
  std::set<std::string> keys;
  for (const auto& kv : v.as_object()) keys.insert(std::string(kv.key()));
  const std::set<std::string> expected = {"timestamp_ms",
                                          "request_id",
                                          "success",
                                          "status_code",
                                          "response_time_ms",
                                          "model",
                                          "endpoint",
                                          "origin",
                                          "upstream",
                                          "is_streaming",
                                          "max_tokens",
                                          "temperature",
                                          "top_p",
                                          "message_count",
                                          "prompt_tokens",
                                          "completion_tokens",
                                          "total_tokens",
                                          "finish_reason",
                                          "error_type",
                                          "error_message",
                                          "time_to_first_token_ms",
                                          "time_to_last_token_ms",
                                          "tokens_per_second"};
  EXPECT_EQ(keys, expected);
}

TEST(RecordJsonTest, ReadsLinesWrittenBeforeEndpointsWereRecorded) {
  dao::CompletionRequest chat = testing::make_record("old-chat", 1);
  chat.message_count = 2;
  chat.endpoint = "chat/completions";
  boost::json::object o = boost::json::parse(line_of(chat)).as_object();
  o.erase("endpoint");
  EXPECT_THAT(parse_record_line(boost::json::serialize(o)), IsOkAndHolds(chat));

  dao::CompletionRequest text = testing::make_record("old-text", 2);
  text.message_count = std::nullopt;
  text.endpoint = "completions";
  o = boost::json::parse(line_of(text)).as_object();
  o.erase("endpoint");
  EXPECT_THAT(parse_record_line(boost::json::serialize(o)), IsOkAndHolds(text));
}

TEST(RecordJsonTest, RefusesWhatIsNotARecord) {
  EXPECT_THAT(parse_record_line("{\"timestamp_ms\":1"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("not JSON")));
  EXPECT_THAT(parse_record_line("[1,2]"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("not an object")));
  std::string line = line_of(testing::make_record("m", 1));
  boost::json::object o = boost::json::parse(line).as_object();
  o.erase("request_id");
  EXPECT_THAT(parse_record_line(boost::json::serialize(o)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("\"request_id\" is missing")));
  o = boost::json::parse(line).as_object();
  o["prompt_tokens"] = "ten";
  EXPECT_THAT(parse_record_line(boost::json::serialize(o)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("\"prompt_tokens\" is not an integer")));
}

}  // namespace
}  // namespace safemig::proxy::internal
