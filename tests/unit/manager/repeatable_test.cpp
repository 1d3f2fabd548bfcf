// Repeatable steps (Flyway's R__ files): run after the versioned steps when new or changed, each
// through the safe run of a step, recorded in _safemig_repeatables, never changing the version.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/repeatables.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "safemig/migrate/sql_file_loader.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RepeatableTest : public ::testing::Test {
 protected:
  RepeatableTest() : db_(tmp_.file("app.db")), dir_(tmp_.file("migrations")) {
    std::filesystem::create_directories(dir_);
    write("V1__create_t.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);");
    write("V2__add_w.sql", "ALTER TABLE t ADD COLUMN w TEXT;");
    write("R__t_view.sql",
          "DROP VIEW IF EXISTS t_view;\nCREATE VIEW t_view AS SELECT id, w FROM t;");
  }

  void write(const std::string& name, const std::string& sql) {
    write_file(dir_ + "/" + name, sql);
  }

  // Loads the directory and migrates (to `target`); the set must outlive the manager.
  Result<RunReport> migrate(std::optional<Version> target = std::nullopt) {
    auto set = load_sql_directory(dir_);
    if (!set) return fail(set.error());
    set_ = std::move(*set);
    ManagerOptions options;
    options.db_path = db_;
    options.command = "test";
    SAFEMIG_TRY(auto manager, SafeMigrationManager::open(*set_, std::move(options)));
    return manager->migrate(target);
  }

  static std::vector<std::string> labels(const RunReport& report) {
    std::vector<std::string> out;
    for (const StepOutcome& step : report.steps) {
      out.push_back((step.repeatable ? "R " : "V" + std::to_string(step.version) + " ") +
                    step.name);
    }
    return out;
  }

  std::vector<RepeatableRun> runs() {
    auto conn = db::open_sqlite(db_);
    EXPECT_THAT(conn, IsOk());
    auto read = read_repeatable_runs(**conn);
    EXPECT_THAT(read, IsOk());
    return read ? *read : std::vector<RepeatableRun>{};
  }

  Version version() {
    auto conn = db::open_sqlite(db_);
    EXPECT_THAT(conn, IsOk());
    auto read = read_current_version(**conn);
    return read ? *read : -2;
  }

  std::int64_t count(const std::string& sql) {
    auto conn = db::open_sqlite(db_);
    EXPECT_THAT(conn, IsOk());
    auto value = (*conn)->query_int(sql);
    EXPECT_THAT(value, IsOk());
    return value ? *value : -1;
  }

  TempDir tmp_;
  std::string db_;
  std::string dir_;
  std::optional<MigrationSet> set_;
};

TEST_F(RepeatableTest, FirstRunAppliesItAfterTheVersionedSteps) {
  auto report = migrate();
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(labels(*report), ElementsAre("V1 create_t", "V2 add_w", "R t_view"));
  EXPECT_EQ(report->to_version, 2);
  EXPECT_EQ(version(), 2);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 't_view'"), 1);
  const std::vector<RepeatableRun> recorded = runs();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].name, "t_view");
  EXPECT_EQ(recorded[0].checksum, set_->find_repeatable("t_view")->checksum());
  EXPECT_FALSE(recorded[0].backup_path.empty());
  // The versioned history holds the versioned steps only.
  EXPECT_EQ(count("SELECT count(*) FROM _safemig_history"), 2);
}

TEST_F(RepeatableTest, ASecondMigrateWithTheSameFileRunsNothing) {
  ASSERT_THAT(migrate(), IsOk());
  auto again = migrate();
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(again->steps, IsEmpty());
  EXPECT_EQ(runs().size(), 1u);
}

TEST_F(RepeatableTest, AnEditedFileRunsAgainAndIsRecordedAgain) {
  ASSERT_THAT(migrate(), IsOk());
  write("R__t_view.sql",
        "DROP VIEW IF EXISTS t_view;\nCREATE VIEW t_view AS SELECT id, v, w FROM t;");
  auto again = migrate();
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(labels(*again), ElementsAre("R t_view"));
  EXPECT_EQ(again->from_version, 2);
  EXPECT_EQ(again->to_version, 2);
  const std::vector<RepeatableRun> recorded = runs();
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_NE(recorded[0].checksum, recorded[1].checksum);
  EXPECT_EQ(recorded[1].checksum, set_->find_repeatable("t_view")->checksum());
  EXPECT_EQ(count("SELECT count(*) FROM pragma_table_info('t_view')"), 3);
  EXPECT_EQ(version(), 2);
}

TEST_F(RepeatableTest, AFailingRepeatableRollsBackAndKeepsVersionAndRecords) {
  write("R__a_first.sql", "CREATE TABLE extra(id INTEGER);");
  ASSERT_THAT(migrate(), IsOk());
  ASSERT_EQ(runs().size(), 2u);
  write("R__t_view.sql",
        "DROP VIEW IF EXISTS t_view;\nCREATE TABLE half(id INTEGER);\nSELECT * FROM missing;");
  auto failed = migrate();
  ASSERT_FALSE(failed.has_value());
  EXPECT_THAT(failed, ErrorIs(ErrorCode::invalid_input, HasSubstr("R t_view")));
  EXPECT_EQ(failed.error().step, "R t_view");
  EXPECT_EQ(version(), 2);
  EXPECT_EQ(runs().size(), 2u);
  // The rollback kept the old view and created nothing.
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 't_view'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 'half'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM _safemig_history"), 2);
}

TEST_F(RepeatableTest, AFailingFirstRepeatableLeavesNoRepeatablesTable) {
  write("R__t_view.sql", "SELECT * FROM missing;");
  auto failed = migrate();
  EXPECT_THAT(failed, ErrorIs(ErrorCode::invalid_input, HasSubstr("R t_view")));
  EXPECT_EQ(version(), 2);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = '_safemig_repeatables'"), 0);
}

TEST_F(RepeatableTest, ATargetBelowTheLatestStillRunsThemLastAsFlywayDoes) {
  // Flyway's target limits versioned migrations only; pending repeatables run after them.
  write("R__t_view.sql", "DROP VIEW IF EXISTS t_view;\nCREATE VIEW t_view AS SELECT id FROM t;");
  auto report = migrate(1);
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(labels(*report), ElementsAre("V1 create_t", "R t_view"));
  EXPECT_EQ(version(), 1);
  EXPECT_EQ(runs().size(), 1u);
}

TEST_F(RepeatableTest, DowngradeNeverRunsThem) {
  write("U2__add_w.sql", "ALTER TABLE t DROP COLUMN w;");
  write("R__t_view.sql", "DROP VIEW IF EXISTS t_view;\nCREATE VIEW t_view AS SELECT id FROM t;");
  ASSERT_THAT(migrate(), IsOk());
  write("R__t_view.sql", "DROP VIEW IF EXISTS t_view;\nCREATE VIEW t_view AS SELECT id, v FROM t;");
  auto set = load_sql_directory(dir_);
  ASSERT_THAT(set, IsOk());
  ManagerOptions options;
  options.db_path = db_;
  options.command = "test";
  auto manager = SafeMigrationManager::open(*set, std::move(options));
  ASSERT_THAT(manager, IsOk());
  auto report = (*manager)->downgrade(1);
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(labels(*report), ElementsAre("V2 add_w"));
  EXPECT_EQ(runs().size(), 1u);
}

TEST(RepeatableRuns, PendingAreTheNewAndTheChangedInTheSetsOrder) {
  MigrationStep a;
  a.repeatable = true;
  a.version = kNoVersion;
  a.name = "a";
  a.up = std::string("SELECT 1;");
  MigrationStep b = a;
  b.name = "b";
  MigrationStep c = a;
  c.name = "c";
  auto set = MigrationSet::create({}, "", "", {c, b, a});
  ASSERT_THAT(set, IsOk());
  std::vector<RepeatableRun> runs = {{1, "a", "old", "", 0, ""},
                                     {2, "b", "old", "", 0, ""},
                                     {3, "a", a.checksum(), "", 0, ""},
                                     {4, "b", b.checksum(), "", 0, ""},
                                     {5, "b", "edited since", "", 0, ""}};
  std::vector<std::string> names;
  for (const MigrationStep* step : pending_repeatables(*set, runs)) names.push_back(step->name);
  EXPECT_THAT(names, ElementsAre("b", "c"));
}

TEST(RepeatableRuns, ASetRefusesARepeatableAmongTheVersionedStepsAndDuplicateNames) {
  MigrationStep r;
  r.repeatable = true;
  r.version = kNoVersion;
  r.name = "r";
  r.up = std::string("SELECT 1;");
  EXPECT_THAT(MigrationSet::create({r}), ErrorIs(ErrorCode::invalid_input, HasSubstr("'r'")));
  EXPECT_THAT(MigrationSet::create({}, "", "", {r, r}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("the same name")));
  MigrationStep with_down = r;
  with_down.down = std::string("SELECT 1;");
  EXPECT_THAT(MigrationSet::create({}, "", "", {with_down}),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("has a down")));
}

}  // namespace
}  // namespace safemig::migrate
