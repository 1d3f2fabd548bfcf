// Parameter parsing of the JSON API: every accepted form, and every bad input rejected with a
// message that names the parameter and says what was expected.
#include "safemig/metrics_server/query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

#include "support/matchers.h"

namespace safemig::metrics_server {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr std::array<std::string_view, 5> kAllowed = {"start", "end", "model", "limit", "step"};
const dao::TimePoint kNow = dao::from_epoch_ms(1795332600000);  // 2026-11-22T07:30:00Z

QueryParameters parsed(std::string_view target) {
  auto q = QueryParameters::parse(target, kAllowed);
  EXPECT_THAT(q, IsOk());
  return q ? *q : QueryParameters{};
}

TEST(QueryParameters, DecodesPercentEncodingAndKeepsPlusSigns) {
  const auto q = parsed("/x?model=gpt%2D4o%20mini&start=2026-11-22T08:30:00+01:00");
  EXPECT_EQ(q.get("model"), "gpt-4o mini");
  EXPECT_EQ(q.get("start"), "2026-11-22T08:30:00+01:00");
  EXPECT_EQ(q.get("end"), std::nullopt);
}

TEST(QueryParameters, NoQueryIsEmpty) {
  EXPECT_EQ(parsed("/x").get("start"), std::nullopt);
  EXPECT_EQ(parsed("/x?").get("start"), std::nullopt);
}

TEST(QueryParameters, RejectsUnknownRepeatedAndValuelessParameters) {
  EXPECT_THAT(QueryParameters::parse("/x?stat=1", kAllowed),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("unknown parameter 'stat'"),
                            HasSubstr("expected only start, end, model, limit, step"))));
  EXPECT_THAT(QueryParameters::parse("/x?limit=1&limit=2", kAllowed),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("'limit' is given more than once")));
  EXPECT_THAT(QueryParameters::parse("/x?model", kAllowed),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected model=VALUE")));
  EXPECT_THAT(QueryParameters::parse("/x?model=%zz", kAllowed),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("percent-encoded")));
}

TEST(QueryParameters, AcceptsUtf8AndRefusesOtherBytesWithoutEchoingThem) {
  EXPECT_EQ(parsed("/x?model=%C3%BCn%C3%AF-%E6%A8%A1%E5%9E%8B%F0%9F%98%80").get("model"),
            "\xC3\xBCn\xC3\xAF-\xE6\xA8\xA1\xE5\x9E\x8B\xF0\x9F\x98\x80");
  // Invalid bytes, a truncated sequence, an overlong '/', a surrogate, past U+10FFFF.
  for (const char* target : {"/x?model=%FF%FE", "/x?model=a%C3", "/x?model=%C0%AF",
                             "/x?model=%ED%A0%80", "/x?limit=%F4%90%80%80", "/x?%FF=1"}) {
    const auto q = QueryParameters::parse(target, kAllowed);
    EXPECT_THAT(q, ErrorIs(ErrorCode::invalid_input, HasSubstr("not UTF-8 text"))) << target;
    if (!q) {
      EXPECT_EQ(q.error().message.find('\xFF'), std::string::npos) << target;
    }
  }
}

TEST(ParseRange, DefaultsToTheLast24Hours) {
  EXPECT_THAT(parse_range(parsed("/x"), kNow),
              IsOkAndHolds(dao::TimeRange{kNow - std::chrono::hours(24), kNow}));
}

TEST(ParseRange, AcceptsIsoWithOffsetOrZAndEpochMilliseconds) {
  const auto range =
      parse_range(parsed("/x?start=2026-11-22T08:00:00%2B01:00&end=1795332600000"), kNow);
  EXPECT_THAT(range, IsOkAndHolds(dao::TimeRange{dao::from_epoch_ms(1795330800000),
                                                 dao::from_epoch_ms(1795332600000)}));
  EXPECT_THAT(parse_range(parsed("/x?end=2026-11-22T07:30:00Z"), kNow),
              IsOkAndHolds(dao::TimeRange{kNow - std::chrono::hours(24), kNow}));
}

TEST(ParseRange, RejectsBadTimesAndReversedRanges) {
  EXPECT_THAT(
      parse_range(parsed("/x?start=yesterday"), kNow),
      ErrorIs(ErrorCode::invalid_input, AllOf(HasSubstr("invalid start"), HasSubstr("yesterday"),
                                              HasSubstr("epoch milliseconds"))));
  EXPECT_THAT(parse_range(parsed("/x?end=2026-02-30T00:00:00Z"), kNow),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("invalid end")));
  EXPECT_THAT(parse_range(parsed("/x?start="), kNow),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("invalid start")));
  EXPECT_THAT(parse_range(parsed("/x?start=1795332600001&end=1795332600000"), kNow),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected start <= end")));
}

TEST(ParseModel, OptionalButNeverEmpty) {
  EXPECT_THAT(parse_model(parsed("/x")), IsOkAndHolds(std::optional<std::string>()));
  EXPECT_THAT(parse_model(parsed("/x?model=a")), IsOkAndHolds(std::optional<std::string>("a")));
  EXPECT_THAT(parse_model(parsed("/x?model=")),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected a model name")));
}

TEST(ParseLimit, WholeNumberFrom1To1000) {
  EXPECT_THAT(parse_limit(parsed("/x")), IsOkAndHolds(100));
  EXPECT_THAT(parse_limit(parsed("/x?limit=1")), IsOkAndHolds(1));
  EXPECT_THAT(parse_limit(parsed("/x?limit=1000")), IsOkAndHolds(1000));
  for (const char* bad : {"0", "1001", "-1", "ten", "1.5", "", "99999999999999999999"}) {
    EXPECT_THAT(parse_limit(parsed(std::string("/x?limit=") + bad)),
                ErrorIs(ErrorCode::invalid_input,
                        AllOf(HasSubstr("invalid limit"), HasSubstr("from 1 to 1000"))))
        << bad;
  }
}

TEST(ParseStep, UnitsAndPlainSeconds) {
  EXPECT_THAT(parse_step("60s"), IsOkAndHolds(milliseconds(60'000)));
  EXPECT_THAT(parse_step("5m"), IsOkAndHolds(milliseconds(300'000)));
  EXPECT_THAT(parse_step("1h"), IsOkAndHolds(milliseconds(3'600'000)));
  EXPECT_THAT(parse_step("1d"), IsOkAndHolds(milliseconds(86'400'000)));
  EXPECT_THAT(parse_step("300"), IsOkAndHolds(milliseconds(300'000)));
}

TEST(ParseStep, RejectsAnythingButPositiveWholeMinutes) {
  for (const char* bad : {"", "0", "0m", "90s", "30", "5x", "m", "-5m", "1.5h", "5 m"}) {
    EXPECT_THAT(parse_step(bad), ErrorIs(ErrorCode::invalid_input,
                                         AllOf(HasSubstr("invalid step"),
                                               HasSubstr("a positive whole number of minutes"))))
        << bad;
  }
}

TEST(ParseStep, LongerThanTenYearsIsRefusedWithoutOverflow) {
  EXPECT_THAT(parse_step("3650d"), IsOkAndHolds(milliseconds(std::int64_t{3650} * 86'400'000)));
  for (const char* bad : {"3651d", "106751991168d", "999999999999h", "99999999999m"}) {
    EXPECT_THAT(parse_step(bad),
                ErrorIs(ErrorCode::invalid_input, HasSubstr("invalid step '" + std::string(bad) +
                                                            "': expected at most 3650d")))
        << bad;
  }
}

TEST(DefaultStep, KeepsChartsNearOrBelow360Buckets) {
  const auto step_for = [](std::chrono::milliseconds length) {
    return default_step(dao::TimeRange{kNow - length, kNow});
  };
  EXPECT_EQ(step_for(std::chrono::hours(1)), milliseconds(60'000));
  EXPECT_EQ(step_for(std::chrono::hours(6)), milliseconds(60'000));
  EXPECT_EQ(step_for(std::chrono::hours(24)), milliseconds(300'000));
  EXPECT_EQ(step_for(std::chrono::hours(24 * 7)), milliseconds(3'600'000));
  const auto years = step_for(std::chrono::hours(24 * 365 * 200));
  EXPECT_EQ(years.count() % 86'400'000, 0);
  EXPECT_LE(std::chrono::hours(24 * 365 * 200) / years, dao::kMaxTimeseriesBuckets - 2);
}

TEST(ParseOrder, DescOrAsc) {
  constexpr std::array<std::string_view, 1> kOrder = {"order"};
  const auto order = [&](std::string_view t) {
    return parse_order(*QueryParameters::parse(t, kOrder));
  };
  EXPECT_THAT(order("/x"), IsOkAndHolds(dao::ListOrder::newest_first));
  EXPECT_THAT(order("/x?order=asc"), IsOkAndHolds(dao::ListOrder::oldest_first));
  EXPECT_THAT(order("/x?order=up"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected desc (newest first")));
}

}  // namespace
}  // namespace safemig::metrics_server
