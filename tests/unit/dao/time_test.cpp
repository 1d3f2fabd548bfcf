// Tests of ISO-8601 / epoch-millisecond parsing and formatting.
#include "safemig/dao/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/matchers.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOkAndHolds;
using ::testing::HasSubstr;

TimePoint at(std::int64_t ms) { return from_epoch_ms(ms); }

// 2026-11-22T07:30:00Z
constexpr std::int64_t kMorning = 1795332600000;

TEST(ParseTime, AcceptsZulu) {
  EXPECT_THAT(parse_time("2026-11-22T07:30:00Z"), IsOkAndHolds(at(kMorning)));
  EXPECT_THAT(parse_time("2026-11-22T07:30Z"), IsOkAndHolds(at(kMorning)));
  EXPECT_THAT(parse_time("2026-11-22 07:30:00z"), IsOkAndHolds(at(kMorning)));
}

TEST(ParseTime, AcceptsOffsetsAndFractions) {
  EXPECT_THAT(parse_time("2026-11-22T08:30:00.123+01:00"), IsOkAndHolds(at(kMorning + 123)));
  EXPECT_THAT(parse_time("2026-11-22T02:00:00.5-0530"), IsOkAndHolds(at(kMorning + 500)));
  EXPECT_THAT(parse_time("2026-11-22T07:30:00.123000000Z"), IsOkAndHolds(at(kMorning + 123)));
}

// Rows are stored in whole milliseconds: rounding a finer bound up keeps [start, end) exact.
TEST(ParseTime, AFractionFinerThanAMillisecondRoundsUp) {
  EXPECT_THAT(parse_time("2026-11-22T07:30:00.123456789Z"), IsOkAndHolds(at(kMorning + 124)));
  EXPECT_THAT(parse_time("2026-11-22T07:30:00.0015Z"), IsOkAndHolds(at(kMorning + 2)));
  EXPECT_THAT(parse_time("2026-11-22T07:30:00.000000001Z"), IsOkAndHolds(at(kMorning + 1)));
  EXPECT_THAT(parse_time("2026-11-22T07:29:59.9999Z"), IsOkAndHolds(at(kMorning)));
  EXPECT_THAT(parse_time("9999-12-31T23:59:59.9991Z"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("after 9999-12-31T23:59:59.999Z")));
}

TEST(ParseTime, RejectsInstantsBeforeTheYear0000) {
  EXPECT_THAT(parse_time("0000-01-01T00:00:00Z"), IsOkAndHolds(at(-62'167'219'200'000)));
  EXPECT_EQ(format_time(at(-62'167'219'200'000)), "0000-01-01T00:00:00.000Z");
  EXPECT_THAT(parse_time("0000-01-01T00:00:00+01:00"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("before 0000-01-01T00:00:00.000Z")));
}

TEST(ParseTime, DateOnlyIsMidnightUtc) {
  EXPECT_THAT(parse_time("2026-11-22"), IsOkAndHolds(at(kMorning - 27000000)));
  EXPECT_THAT(parse_time("2024-02-29"), IsOkAndHolds(at(1709164800000)));
}

TEST(ParseTime, EpochMilliseconds) {
  EXPECT_THAT(parse_time("1795332600000"), IsOkAndHolds(at(kMorning)));
  EXPECT_THAT(parse_time("0"), IsOkAndHolds(at(0)));
}

TEST(ParseTime, RejectsInstantsAfterTheYear9999) {
  EXPECT_THAT(parse_time("253402300799999"), IsOkAndHolds(at(253'402'300'799'999)));
  EXPECT_THAT(parse_time("9999-12-31T23:59:59.999Z"), IsOkAndHolds(at(253'402'300'799'999)));
  for (const char* late : {"253402300800000", "999999999999999999"}) {
    EXPECT_THAT(parse_time(late),
                ErrorIs(ErrorCode::invalid_input,
                        HasSubstr("epoch milliseconds after 9999-12-31T23:59:59.999Z")))
        << late;
  }
  EXPECT_THAT(parse_time("9999-12-31T23:30:00-01:00"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("after 9999-12-31T23:59:59.999Z")));
}

TEST(ParseTime, RejectsImpossibleDatesAndTimes) {
  EXPECT_THAT(parse_time("2026-02-30"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("no such date")));
  EXPECT_THAT(parse_time("2025-02-29T00:00:00Z"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("no such date")));
  EXPECT_THAT(parse_time("2026-13-01"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("no such date")));
  EXPECT_THAT(parse_time("2026-11-22T25:00:00Z"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("no such time of day")));
  EXPECT_THAT(parse_time("2026-11-22T07:60:00Z"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("no such time of day")));
  EXPECT_THAT(parse_time("2026-11-22T07:30:00+24:00"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("offset")));
}

TEST(ParseTime, RejectsMalformedInputSayingWhatWasExpected) {
  for (const char* bad : {"", "yesterday", "2026-11-22T07:30:00", "2026/11/22", "-5", "12.5",
                          "2026-11-22T07:30:00Zjunk", "2026-1-2", "99999999999999999999",
                          "2026-11-22T07:30:00.Z", "2026-11-22X07:30Z"}) {
    EXPECT_THAT(parse_time(bad),
                ErrorIs(ErrorCode::invalid_input, HasSubstr("expected epoch milliseconds")))
        << bad;
  }
  EXPECT_THAT(parse_time("2026-11-22T07:30:00"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("needs an offset or Z")));
}

TEST(FormatTime, IsoZuluWithMilliseconds) {
  EXPECT_EQ(format_time(at(kMorning + 7)), "2026-11-22T07:30:00.007Z");
  EXPECT_EQ(format_time(at(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_THAT(parse_time(format_time(at(kMorning + 999))), IsOkAndHolds(at(kMorning + 999)));
}

TEST(TimeRange, RejectsEndBeforeStart) {
  EXPECT_THAT(TimeRange::create(at(10), at(5)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("is after end")));
  EXPECT_TRUE(TimeRange::create(at(5), at(5)).has_value());
}

}  // namespace
}  // namespace safemig::dao
