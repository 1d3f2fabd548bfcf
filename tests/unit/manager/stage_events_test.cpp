// ManagerOptions::on_stage: every stage of every step is reported as it begins and ends, in
// order, up and down, and a failing stage is the last one reported, ended as failed; SQL work
// is reported as progress while it runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "safemig/migrate/safe_migration_manager.h"
#include "support/matchers.h"
#include "support/temp_dir.h"
#include "test_steps.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using Kind = StageEvent::Kind;

// An event as recorded: "V3 up run begin", "V3 up run end failed".
struct Recorded {
  Version version;
  Direction direction;
  Stage stage;
  Kind kind;
  bool failed;
  std::chrono::milliseconds elapsed;
};

std::string describe(Version version, Direction direction, Stage stage, Kind kind, bool failed) {
  std::string text = "V" + std::to_string(version) + ' ' + std::string(to_string(direction)) + ' ' +
                     std::string(to_string(stage)) + ' ';
  text += kind == Kind::begin ? "begin" : kind == Kind::end ? "end" : "progress";
  return text + (failed ? " failed" : "");
}

constexpr Stage kEveryStage[] = {Stage::lock,
                                 Stage::file_backup,
                                 Stage::journal,
                                 Stage::backup_tables,
                                 Stage::run,
                                 Stage::validate_schema,
                                 Stage::validate_integrity,
                                 Stage::validate_foreign_keys,
                                 Stage::validate_rows,
                                 Stage::validate_verify_sql,
                                 Stage::record_history,
                                 Stage::commit,
                                 Stage::retention};

// The begin and end of every stage of one step, up to `last` (failed there when `fails`).
std::vector<std::string> stages_of(Version version, Direction direction,
                                   Stage last = Stage::retention, bool fails = false) {
  std::vector<std::string> out;
  for (Stage stage : kEveryStage) {
    out.push_back(describe(version, direction, stage, Kind::begin, false));
    const bool failing = fails && stage == last;
    out.push_back(describe(version, direction, stage, Kind::end, failing));
    if (stage == last) break;
  }
  return out;
}

std::vector<std::string> concat(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

class StageEventsTest : public ::testing::Test {
 protected:
  ManagerOptions options() {
    ManagerOptions o;
    o.db_path = dir_.file("app.db");
    o.command = "test";
    o.on_stage = [this](const StageEvent& e) {
      events_.push_back({e.step->version, e.direction, e.stage, e.kind, e.failed, e.elapsed});
    };
    return o;
  }

  // Begin and end events only, described.
  std::vector<std::string> begins_and_ends() const {
    std::vector<std::string> out;
    for (const Recorded& e : events_) {
      if (e.kind != Kind::progress) {
        out.push_back(describe(e.version, e.direction, e.stage, e.kind, e.failed));
      }
    }
    return out;
  }

  std::vector<Recorded> progress_events() const {
    std::vector<Recorded> out;
    for (const Recorded& e : events_) {
      if (e.kind == Kind::progress) out.push_back(e);
    }
    return out;
  }

  TempDir dir_;
  std::vector<Recorded> events_;
};

TEST_F(StageEventsTest, EveryStageOfEveryStepBeginsAndEndsInOrderUp) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(), IsOk());
  EXPECT_THAT(begins_and_ends(),
              ElementsAreArray(concat({stages_of(1, Direction::up), stages_of(2, Direction::up),
                                       stages_of(3, Direction::up)})));
}

TEST_F(StageEventsTest, EveryStageOfEveryStepBeginsAndEndsInOrderDown) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(), IsOk());
  events_.clear();
  ASSERT_THAT((*manager)->downgrade(1), IsOk());
  EXPECT_THAT(
      begins_and_ends(),
      ElementsAreArray(concat({stages_of(3, Direction::down), stages_of(2, Direction::down)})));
}

// A failure injected at a stage: that stage is the last reported, and it ended failed.
class FailingStageEventsTest : public StageEventsTest,
                               public ::testing::WithParamInterface<Stage> {};

TEST_P(FailingStageEventsTest, TheFailingStageIsTheLastAndEndsFailed) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  ManagerOptions o = options();
  const Stage failing = GetParam();
  o.before_stage = [failing](Stage stage, const MigrationStep& step) -> Result<void> {
    if (stage == failing && step.version == 2) return fail(ErrorCode::io, "injected fault");
    return {};
  };
  auto manager = SafeMigrationManager::open(*set, o);
  ASSERT_THAT(manager, IsOk());
  ASSERT_FALSE((*manager)->migrate().has_value());
  EXPECT_THAT(begins_and_ends(),
              ElementsAreArray(concat(
                  {stages_of(1, Direction::up), stages_of(2, Direction::up, failing, true)})));
}

INSTANTIATE_TEST_SUITE_P(SomeStages, FailingStageEventsTest,
                         ::testing::Values(Stage::lock, Stage::file_backup, Stage::backup_tables,
                                           Stage::run, Stage::validate_schema, Stage::commit),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

// Failures of the work itself, not injected: SQL that fails in the run of a step outside a
// transaction (the database is then restored from the file backup, which is no stage), and a
// verify query that returns false.
TEST_F(StageEventsTest, AStepThatFailsEndsItsFailingStageAsFailed) {
  auto set = test_steps::parent_child_set(test_steps::Variant::non_transactional_fails);
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_FALSE((*manager)->migrate().has_value());
  EXPECT_THAT(begins_and_ends(),
              ElementsAreArray(concat({stages_of(1, Direction::up), stages_of(2, Direction::up),
                                       stages_of(3, Direction::up, Stage::run, true)})));
}

TEST_F(StageEventsTest, AFailingVerifyQueryEndsValidateVerifySqlAsFailed) {
  auto set = test_steps::parent_child_set(test_steps::Variant::failing_verify);
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_FALSE((*manager)->migrate().has_value());
  EXPECT_THAT(
      begins_and_ends(),
      ElementsAreArray(concat({stages_of(1, Direction::up), stages_of(2, Direction::up),
                               stages_of(3, Direction::up, Stage::validate_verify_sql, true)})));
}

// A step whose SQL runs for a while: progress of its run stage arrives about every 100 ms from
// SQLite's progress handler, which is gone once the step is over.
TEST_F(StageEventsTest, LongSqlReportsProgressOfItsStageOnlyWhileTheStepRuns) {
  MigrationStep slow;
  slow.version = 1;
  slow.name = "slow";
  slow.definition = "counts for at least 400 ms";
  slow.row_policy = RowPolicy::declared_change;
  slow.up = StepCallable([](db::Connection& conn) -> Result<void> {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
    while (std::chrono::steady_clock::now() < until) {
      SAFEMIG_TRY_VOID(conn.query(
          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) "
          "SELECT count(*) FROM c"));
    }
    return {};
  });
  auto set = MigrationSet::create({slow});
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(), IsOk());

  const std::vector<Recorded> progress = progress_events();
  ASSERT_GE(progress.size(), 2u);
  std::chrono::milliseconds previous{0};
  for (const Recorded& e : progress) {
    EXPECT_EQ(e.stage, Stage::run);
    EXPECT_EQ(e.version, 1);
    EXPECT_GE(e.elapsed - previous, std::chrono::milliseconds(100));
    previous = e.elapsed;
  }
  EXPECT_THAT(begins_and_ends(), ElementsAreArray(stages_of(1, Direction::up)));

  events_.clear();
  ASSERT_THAT((*manager)->connection().query(
                  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                  "WHERE x < 1000000) SELECT count(*) FROM c"),
              IsOk());
  EXPECT_THAT(events_, IsEmpty());
}

}  // namespace
}  // namespace safemig::migrate
