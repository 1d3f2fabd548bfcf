// Tests of StreamObserver: token timings, finish reason, usage, and stripping the usage-only
// chunk only when the proxy asked for it.
#include "safemig/proxy/stream_observer.h"

#include <gtest/gtest.h>

namespace safemig::proxy {
namespace {

using std::chrono::microseconds;

SseEvent data_event(std::string data) {
  SseEvent e;
  e.data = std::move(data);
  e.has_data = true;
  e.raw = "data: " + e.data + "\n\n";
  return e;
}

// Observes a data event built from `data`.
bool observe(StreamObserver& observer, std::string data, microseconds at) {
  SseEvent event = data_event(std::move(data));
  return observer.observe(event, at);
}

const char* const kRole =
    R"({"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})";
const char* const kToken = R"({"id":"c1","choices":[{"index":0,"delta":{"content":"hi"}}]})";
const char* const kFinish =
    R"({"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})";
const char* const kUsage =
    R"({"id":"c1","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}})";

TEST(StreamObserverTest, TakesTimingsFinishReasonAndUsage) {
  StreamObserver o(false);
  EXPECT_TRUE(observe(o, kRole, microseconds(1000)));
  EXPECT_TRUE(observe(o, kToken, microseconds(5000)));
  EXPECT_TRUE(observe(o, kToken, microseconds(9000)));
  EXPECT_TRUE(observe(o, kFinish, microseconds(9500)));
  EXPECT_TRUE(observe(o, kUsage, microseconds(9600)));
  EXPECT_TRUE(observe(o, "[DONE]", microseconds(9700)));
  const StreamSummary& s = o.summary();
  EXPECT_EQ(s.first_token, microseconds(5000));
  EXPECT_EQ(s.last_token, microseconds(9000));
  EXPECT_EQ(s.response.id, "c1");
  EXPECT_EQ(s.response.finish_reason, "stop");
  EXPECT_EQ(s.response.prompt_tokens, 4);
  EXPECT_EQ(s.response.completion_tokens, 2);
  EXPECT_EQ(s.response.total_tokens, 6);
  EXPECT_TRUE(s.done);
}

TEST(StreamObserverTest, StripsOnlyTheUsageOnlyChunkWhenAsked) {
  StreamObserver o(true);
  EXPECT_TRUE(observe(o, kToken, microseconds(1)));
  EXPECT_TRUE(observe(o, kFinish, microseconds(2)));
  EXPECT_FALSE(observe(o, kUsage, microseconds(3)));
  EXPECT_TRUE(observe(o, "[DONE]", microseconds(4)));
  EXPECT_EQ(o.summary().response.total_tokens, 6);
}

TEST(StreamObserverTest, UsageNullInChunksIsNotUsageAndIsCutWhenStripping) {
  StreamObserver o(true);
  SseEvent e = data_event(R"({"choices":[{"delta":{"content":"a"}}],"usage":null})");
  EXPECT_TRUE(o.observe(e, microseconds(1)));
  EXPECT_FALSE(o.summary().response.total_tokens.has_value());
  EXPECT_EQ(e.raw, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
  StreamObserver keep(false);
  SseEvent kept = data_event(R"({"choices":[],"usage":null})");
  EXPECT_TRUE(keep.observe(kept, microseconds(1)));
  EXPECT_EQ(kept.raw, "data: {\"choices\":[],\"usage\":null}\n\n");
}

TEST(StreamObserverTest, TextCompletionsAndToolCallsCountAsTokens) {
  StreamObserver text(false);
  observe(text, R"({"choices":[{"text":"x","index":0}]})", microseconds(7));
  EXPECT_EQ(text.summary().first_token, microseconds(7));
  StreamObserver tools(false);
  observe(tools, R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})", microseconds(8));
  EXPECT_EQ(tools.summary().first_token, microseconds(8));
}

TEST(StreamObserverTest, NonJsonEventsAreRelayedAndIgnored) {
  StreamObserver o(true);
  SseEvent comment;
  comment.raw = ": ping\n\n";
  EXPECT_TRUE(o.observe(comment, microseconds(1)));
  EXPECT_TRUE(observe(o, "not json", microseconds(2)));
  EXPECT_FALSE(o.summary().first_token.has_value());
}

TEST(StreamObserverTest, InStreamErrorIsKept) {
  StreamObserver o(false);
  observe(o, R"({"error":{"type":"server_error","message":"boom"}})", microseconds(1));
  EXPECT_EQ(o.summary().response.error.type, "server_error");
}

TEST(StreamObserverTest, FollowsAResponsesStreamToItsCompletedEvent) {
  StreamObserver o(false, Endpoint::responses);
  EXPECT_TRUE(observe(o,
                      R"({"type":"response.created","response":{"id":"resp_1",)"
                      R"("status":"in_progress","usage":null}})",
                      microseconds(1000)));
  EXPECT_TRUE(
      observe(o, R"({"type":"response.output_text.delta","delta":"He"})", microseconds(4000)));
  EXPECT_TRUE(
      observe(o, R"({"type":"response.output_text.delta","delta":"llo"})", microseconds(7000)));
  EXPECT_FALSE(o.summary().done);
  EXPECT_TRUE(observe(o,
                      R"({"type":"response.completed","response":{"id":"resp_1",)"
                      R"("status":"completed","usage":{"input_tokens":9,"output_tokens":2,)"
                      R"("total_tokens":11}}})",
                      microseconds(8000)));
  const StreamSummary& s = o.summary();
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.first_token, microseconds(4000));
  EXPECT_EQ(s.last_token, microseconds(7000));
  EXPECT_EQ(s.response.id, "resp_1");
  EXPECT_EQ(s.response.prompt_tokens, 9);
  EXPECT_EQ(s.response.completion_tokens, 2);
  EXPECT_EQ(s.response.total_tokens, 11);
  EXPECT_EQ(s.response.finish_reason, "completed");
}

TEST(StreamObserverTest, AResponsesStreamWithoutItsFinalEventIsNotDone) {
  StreamObserver o(false, Endpoint::responses);
  EXPECT_TRUE(observe(o, R"({"type":"response.output_text.delta","delta":"x"})", microseconds(10)));
  EXPECT_FALSE(o.summary().done);
  EXPECT_FALSE(o.summary().response.finish_reason.has_value());
}

}  // namespace
}  // namespace safemig::proxy
