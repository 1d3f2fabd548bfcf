// Tests of LogGate: one message per period, and the count of those held back in between.
#include "safemig/log_gate.h"

#include <gtest/gtest.h>

#include <thread>

namespace safemig {
namespace {

TEST(LogGateTest, LetsTheFirstCallOfAPeriodThroughAndCountsTheRest) {
  LogGate gate(std::chrono::hours(1));
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(gate.allow(suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(gate.allow(suppressed));
}

TEST(LogGateTest, OpensAgainAfterThePeriodWithTheNumberHeldBack) {
  LogGate gate(std::chrono::milliseconds(1));
  std::uint64_t suppressed = 0;
  ASSERT_TRUE(gate.allow(suppressed));
  std::uint64_t refused = 0;
  while (!gate.allow(suppressed)) {
    ++refused;  // Within the millisecond: held back and counted.
    if (refused == 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(suppressed, refused);
}

}  // namespace
}  // namespace safemig
