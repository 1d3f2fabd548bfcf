// Tests of the UTC time texts safemig writes into names, history rows and listings.
#include "safemig/utc_time.h"

#include <gtest/gtest.h>

namespace safemig {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(UtcTimeTest, FormatsTheWholeSecondInUtc) {
  // 2024-03-13T17:00:05.042Z
  const system_clock::time_point t{milliseconds(1710349205042)};
  EXPECT_EQ(format_utc_time(t, "%Y-%m-%dT%H:%M:%SZ"), "2024-03-13T17:00:05Z");
  EXPECT_EQ(format_utc_time(t, "%Y%m%dT%H%M%S"), "20240313T170005");
  EXPECT_EQ(millisecond_digits(t), "042");
}

TEST(UtcTimeTest, TimesBefore1970KeepTheirSecond) {
  // 1969-12-31T23:59:59.750Z
  const system_clock::time_point t{milliseconds(-250)};
  EXPECT_EQ(format_utc_time(t, "%Y-%m-%dT%H:%M:%S"), "1969-12-31T23:59:59");
  EXPECT_EQ(millisecond_digits(t), "750");
}

}  // namespace
}  // namespace safemig
