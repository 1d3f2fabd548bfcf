// Golden checksums of the application's steps.
//
// Every database that applied a step records the step's checksum and refuses to migrate once it
// changes ("changed after it was applied", exit 3). A failing test here means that an applied
// step was edited, or that text it depends on changed: restore the step exactly, and make the
// change a new step (v5, ...) instead. A new step adds its own line here; no line is ever
// changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "safemig/app/history.h"
#include "support/matchers.h"

namespace safemig::app {
namespace {

using ::safemig::testing::IsOk;

struct GoldenStep {
  migrate::Version version;
  const char* name;
  const char* checksum;  // SHA-256 of up, down and verify SQL, as deployed databases hold it.
};

// How GoogleTest names a parameter in its output.
void PrintTo(const GoldenStep& step, std::ostream* os) {
  *os << 'V' << step.version << ' ' << step.name;
}

constexpr GoldenStep kGolden[] = {
    {1, "create_completion_requests",
     "79ffe01d220113295c71df5b3934fa108cb778fed9e7bbb00e2c23f6646bdb5a"},
    {2, "add_streaming_timings",
     "fef8d9a2fd8e0a917b26426e6e4b37aa7ed356327591fc77b92a591761af7be1"},
    {3, "rebuild_completion_requests",
     "0db4d786f2d165d60b96b0b5d2eb55771e39d016ee93b9d8184a7fc8af0ec4eb"},
    {4, "add_rollups", "3b27e17f40275b6f67c9fafce3f3acb03c969ff67a06f2269af710d5780a0d63"},
    {5, "add_endpoint_and_maxima",
     "2ef183c70d7272829538dd75b8536a9da62a7ef663be76e59a9f63f32be397d1"},
};

class StepChecksumTest : public ::testing::TestWithParam<GoldenStep> {};

TEST_P(StepChecksumTest, IsTheChecksumDeployedDatabasesHold) {
  const GoldenStep& golden = GetParam();
  auto set = application_history();
  ASSERT_THAT(set, IsOk());
  const migrate::MigrationStep* step = set->find(golden.version);
  ASSERT_NE(step, nullptr) << "V" << golden.version << " is missing from the history";
  EXPECT_EQ(step->name, golden.name);
  EXPECT_EQ(step->checksum(), golden.checksum)
      << step->label() << " was edited after it was applied: restore it and add a new step";
}

INSTANTIATE_TEST_SUITE_P(ApplicationHistory, StepChecksumTest, ::testing::ValuesIn(kGolden),
                         [](const ::testing::TestParamInfo<GoldenStep>& step) {
                           return "V" + std::to_string(step.param.version);
                         });

TEST(StepChecksum, EveryStepHasAGoldenChecksum) {
  auto set = application_history();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->steps().size(), std::size(kGolden));
  EXPECT_EQ(set->latest_version(), std::end(kGolden)[-1].version);
}

}  // namespace
}  // namespace safemig::app
