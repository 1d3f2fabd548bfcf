// Tests of SseParser: field parsing, every line ending, and every way of splitting a stream
// into chunks (the raw bytes always add up to the input, the events never change).
#include "safemig/proxy/sse_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace safemig::proxy {
namespace {

struct Parsed {
  std::vector<SseEvent> events;
  SseEvent rest;
};

Parsed parse_in_pieces(std::string_view stream, const std::vector<std::size_t>& cuts) {
  SseParser parser;
  Parsed out;
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    parser.feed(stream.substr(from, cut - from), out.events);
    from = cut;
  }
  parser.feed(stream.substr(from), out.events);
  out.rest = parser.finish();
  return out;
}

std::string joined_raw(const Parsed& p) {
  std::string all;
  for (const SseEvent& e : p.events) all += e.raw;
  return all + p.rest.raw;
}

std::vector<std::string> data_of(const Parsed& p) {
  std::vector<std::string> data;
  for (const SseEvent& e : p.events) {
    if (e.has_data) data.push_back(e.data);
  }
  return data;
}

TEST(SseParserTest, ParsesDataEventAndComments) {
  const Parsed p = parse_in_pieces(
      ": keep-alive\n\nevent: message\ndata: {\"a\":1}\n\ndata:no-space\ndata:  two\n\n", {});
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_FALSE(p.events[0].has_data);
  EXPECT_EQ(p.events[1].event, "message");
  EXPECT_EQ(p.events[1].data, "{\"a\":1}");
  EXPECT_EQ(p.events[1].raw, "event: message\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(p.events[2].data, "no-space\n two");
  EXPECT_TRUE(p.rest.raw.empty());
}

TEST(SseParserTest, AcceptsCrLfAndBareCr) {
  const Parsed crlf = parse_in_pieces("data: a\r\n\r\ndata: b\r\n\r\n", {});
  EXPECT_THAT(data_of(crlf), ::testing::ElementsAre("a", "b"));
  const Parsed cr = parse_in_pieces("data: a\r\rdata: b\r\r", {});
  EXPECT_THAT(data_of(cr), ::testing::ElementsAre("a", "b"));
}

// A client that holds back a trailing '\r' to see whether '\n' follows would show an event
// only when the next one arrives; so an event takes its whole "\r\n" when it is at hand.
TEST(SseParserTest, CrLfTerminatedEventsKeepTheirWholeTerminator) {
  const Parsed whole = parse_in_pieces("data: a\r\n\r\ndata: b\r\n\r\n", {});
  ASSERT_EQ(whole.events.size(), 2u);
  EXPECT_EQ(whole.events[0].raw, "data: a\r\n\r\n");
  EXPECT_EQ(whole.events[1].raw, "data: b\r\n\r\n");
  EXPECT_TRUE(whole.rest.raw.empty());
  // Cut between the last '\r' and its '\n': the '\n' goes with the bytes that follow.
  const Parsed cut = parse_in_pieces("data: a\r\n\r\ndata: b\r\n\r\n", {10});
  ASSERT_EQ(cut.events.size(), 2u);
  EXPECT_EQ(cut.events[0].raw, "data: a\r\n\r");
  EXPECT_EQ(cut.events[1].raw, "\ndata: b\r\n\r\n");
}

TEST(SseParserTest, FieldWithoutColonAndUnknownFieldsAreIgnored) {
  const Parsed p = parse_in_pieces("data\nid: 7\nretry: 10\nfoo: bar\n\n", {});
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_TRUE(p.events[0].has_data);
  EXPECT_EQ(p.events[0].data, "");
}

TEST(SseParserTest, UnterminatedLastEventIsReturnedByFinish) {
  const Parsed p = parse_in_pieces("data: a\n\ndata: b\n", {});
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.rest.raw, "data: b\n");
  EXPECT_EQ(p.rest.data, "b");
}

// Every split of the stream into two and three pieces gives the same events and raw bytes.
TEST(SseParserTest, EveryChunkSplitGivesTheSameEvents) {
  const std::string stream =
      "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"h\\u00e9\"}}]}\r\n\r\n"
      ": ping\n\n"
      "event: e\rdata: one\rdata: two\r\r"
      "data: [DONE]\n\n"
      "data: tail";
  const Parsed whole = parse_in_pieces(stream, {});
  ASSERT_EQ(joined_raw(whole), stream);
  const auto expected = data_of(whole);
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(expected[1], "one\ntwo");
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      const Parsed p = parse_in_pieces(stream, {i, j});
      ASSERT_EQ(joined_raw(p), stream) << "cuts " << i << "," << j;
      ASSERT_EQ(data_of(p), expected) << "cuts " << i << "," << j;
      ASSERT_EQ(p.rest.raw, "data: tail");
    }
  }
}

TEST(SseParserTest, ByteByByteFeedingMatchesWholeFeeding) {
  const std::string stream = "data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\n\n";
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  const Parsed p = parse_in_pieces(stream, cuts);
  EXPECT_EQ(joined_raw(p), stream);
  EXPECT_THAT(data_of(p), ::testing::ElementsAre("a", "b", "c", "d"));
}

}  // namespace
}  // namespace safemig::proxy
