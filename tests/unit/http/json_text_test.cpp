// JSON text as the services write it: plain decimal numbers, valid UTF-8, the same document
// boost::json reads back.
#include "safemig/http/json_text.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <limits>

namespace safemig::http {
namespace {

namespace json = boost::json;

TEST(JsonText, WritesDoublesInTheShortestPlainForm) {
  EXPECT_EQ(json_text(json::value(0.2)), "0.2");
  EXPECT_EQ(json_text(json::value(124.5)), "124.5");
  EXPECT_EQ(json_text(json::value(0.0)), "0.0");
  EXPECT_EQ(json_text(json::value(800.0)), "800.0");
  EXPECT_EQ(json_text(json::value(1e-7)), "1e-07");
  EXPECT_EQ(json_text(json::value(1e300)), "1e+300");
  EXPECT_EQ(json_text(json::value(0.023600000000000003)), "0.023600000000000003");
  EXPECT_EQ(json_text(json::value(-1.5)), "-1.5");
}

TEST(JsonText, WritesNonFiniteDoublesAsNull) {
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::infinity())), "null");
}

TEST(JsonText, WritesIntegersLiteralsArraysAndObjectsCompactly) {
  const json::value value = {{"count", 9007199254740993LL},
                             {"big", std::numeric_limits<std::uint64_t>::max()},
                             {"ok", true},
                             {"none", nullptr},
                             {"list", json::array{1, "two", false}}};
  EXPECT_EQ(json_text(value),
            "{\"count\":9007199254740993,\"big\":18446744073709551615,\"ok\":true,"
            "\"none\":null,\"list\":[1,\"two\",false]}");
}

TEST(JsonText, EscapesStringsAndKeysAsJsonRequires) {
  const json::value value = {{"quote\"key", "line\nbreak \\ tab\t \x01"}};
  const std::string text = json_text(value);
  EXPECT_EQ(text, "{\"quote\\\"key\":\"line\\nbreak \\\\ tab\\t \\u0001\"}");
  EXPECT_EQ(json::parse(text), value);
}

TEST(JsonText, ReplacesBytesThatAreNotUtf8SoTheDocumentStaysValid) {
  const json::value value = {{"model", json::string("a\xFF"
                                                    "b")}};
  const std::string text = json_text(value);
  EXPECT_EQ(text,
            "{\"model\":\"a\xEF\xBF\xBD"
            "b\"}");
  boost::system::error_code ec;
  json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(JsonText, ReadsBackAsTheSameDocument) {
  const json::value value = {{"start", "2026-11-22T07:30:00.000Z"},
                             {"error_rate", 1.0 / 3.0},
                             {"latency", {{"p50_ms", 124.0}, {"avg_ms", 1e-7}, {"max_ms", 1e300}}},
                             {"models", json::array{{{"model", "caf\xC3\xA9"}, {"tokens", 5400}}}}};
  EXPECT_EQ(json::parse(json_text(value)), value);
}

}  // namespace
}  // namespace safemig::http
