// A database another tool migrated is taken over the first time safemig writes it; steps merged
// below the applied ones run only out of order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/migrate/safe_migration_manager.h"
#include "support/database_snapshot.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::database_snapshot;
using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

MigrationStep step(Version version, std::string name, std::string up) {
  MigrationStep s;
  s.version = version;
  s.name = std::move(name);
  s.up = std::move(up);
  return s;
}

class AdoptionTest : public ::testing::Test {
 protected:
  std::unique_ptr<SafeMigrationManager> open(const MigrationSet& set, bool out_of_order = false) {
    ManagerOptions o;
    o.db_path = db_;
    o.command = "test";
    o.out_of_order = out_of_order;
    auto manager = SafeMigrationManager::open(set, o);
    EXPECT_THAT(manager, IsOk());
    return manager ? std::move(*manager) : nullptr;
  }

  static MigrationSet users_set() {
    auto set = MigrationSet::create(
        {step(1, "users", "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"),
         step(2, "users_name", "CREATE INDEX users_name ON users(name);"),
         step(3, "email", "ALTER TABLE users ADD COLUMN email TEXT;")});
    EXPECT_THAT(set, IsOk());
    return std::move(*set);
  }

  // What golang-migrate leaves after applying versions 1 and 2.
  void golang_migrated(bool dirty) {
    auto conn = db::open_sqlite(db_);
    ASSERT_THAT(conn, IsOk());
    ASSERT_THAT(
        (*conn)->execute_script("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
                                "CREATE INDEX users_name ON users(name);"
                                "INSERT INTO users(name) VALUES ('ada');"
                                "CREATE TABLE schema_migrations (version uint64,dirty bool);"
                                "CREATE UNIQUE INDEX version_unique ON schema_migrations (version);"
                                "INSERT INTO schema_migrations VALUES (2, " +
                                std::string(dirty ? "1" : "0") + ");"),
        IsOk());
  }

  TempDir dir_;
  std::string db_ = dir_.file("app.db");
};

TEST_F(AdoptionTest, MigrateTakesOverGolangMigrateAndRunsOnlyTheRest) {
  golang_migrated(false);
  const MigrationSet set = users_set();
  auto manager = open(set);
  auto report = manager->migrate();
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->steps.size(), 1u);
  EXPECT_EQ(report->steps.front().version, 3);
  auto history = manager->history();
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].backup_path, "(taken over from golang-migrate)");
  EXPECT_TRUE(is_backup_note((*history)[0].backup_path));
  EXPECT_THAT(manager->connection().query_int("SELECT count(email IS NULL) FROM users"),
              IsOkAndHolds(1));
}

TEST_F(AdoptionTest, ADirtyHistoryIsRefusedAndNothingChanges) {
  golang_migrated(true);
  const std::string before = database_snapshot(db_);
  const MigrationSet set = users_set();
  auto manager = open(set);
  EXPECT_THAT(manager->migrate(),
              ErrorIs(ErrorCode::failed_precondition,
                      AllOf(HasSubstr("migrated by golang-migrate"),
                            HasSubstr("records a failed run"), HasSubstr("migrate force"))));
  EXPECT_THAT(manager->downgrade(kNoVersion),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("records a failed run")));
  manager.reset();
  EXPECT_EQ(database_snapshot(db_), before);
}

TEST_F(AdoptionTest, ASchemaOtherThanTheStepsProduceIsNotTakenOver) {
  golang_migrated(false);
  {
    auto conn = db::open_sqlite(db_);
    ASSERT_THAT(conn, IsOk());
    ASSERT_THAT((*conn)->execute_script("DROP INDEX users_name;"), IsOk());
  }
  const MigrationSet set = users_set();
  auto manager = open(set);
  EXPECT_THAT(manager->migrate(),
              ErrorIs(ErrorCode::schema_mismatch, HasSubstr("taking over the history of "
                                                            "golang-migrate (schema_migrations)")));
  EXPECT_THAT(manager->history(), IsOkAndHolds(::testing::IsEmpty()));
}

TEST_F(AdoptionTest, AStepMergedBelowTheAppliedOnesRunsOnlyOutOfOrder) {
  auto before_merge =
      MigrationSet::create({step(20240101000000, "one", "CREATE TABLE one(x);"),
                            step(20240301000000, "three", "CREATE TABLE three(x);")});
  ASSERT_THAT(before_merge, IsOk());
  ASSERT_THAT(open(*before_merge)->migrate(), IsOk());
  auto merged = MigrationSet::create({step(20240101000000, "one", "CREATE TABLE one(x);"),
                                      step(20240201000000, "two", "CREATE TABLE two(x);"),
                                      step(20240301000000, "three", "CREATE TABLE three(x);")});
  ASSERT_THAT(merged, IsOk());
  EXPECT_THAT(
      open(*merged)->migrate(),
      ErrorIs(ErrorCode::checksum_mismatch, AllOf(HasSubstr("V20240201000000 two is not applied"),
                                                  HasSubstr("or run it out of order"))));
  auto manager = open(*merged, true);
  auto report = manager->migrate();
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->steps.size(), 1u);
  EXPECT_EQ(report->steps.front().version, 20240201000000);
  EXPECT_THAT(manager->current_version(), IsOkAndHolds(20240301000000));
  // Undoing everything walks the applied versions, whatever order they ran in.
  auto plan = plan_downgrade(*merged, 20240301000000, kNoVersion);
  EXPECT_THAT(plan, ErrorIs(ErrorCode::invalid_input, HasSubstr("has no down step")));
}

TEST(PlanOutOfOrder, SkippedStepsComeFirstAndStopAtTheTarget) {
  auto set = MigrationSet::create({step(1, "a", "SELECT 1;"), step(2, "b", "SELECT 1;"),
                                   step(3, "c", "SELECT 1;"), step(4, "d", "SELECT 1;")});
  ASSERT_THAT(set, IsOk());
  HistoryEntry applied;
  applied.version = 3;
  applied.name = "c";
  applied.checksum = set->find(3)->checksum();
  const std::vector<HistoryEntry> history = {applied};
  auto plan = plan_upgrade(*set, history, std::nullopt, true);
  ASSERT_THAT(plan, IsOk());
  std::vector<Version> versions;
  for (const MigrationStep* s : plan->steps) versions.push_back(s->version);
  EXPECT_EQ(versions, (std::vector<Version>{1, 2, 4}));
  auto plain = plan_upgrade(*set, history, std::nullopt, false);
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->steps.size(), 1u);
  EXPECT_THAT(check_definitions(*set, history, "x:", true), IsOk());
  EXPECT_THAT(check_definitions(*set, history, "x:", false),
              ErrorIs(ErrorCode::checksum_mismatch, HasSubstr("V1 a is not applied")));
}

}  // namespace
}  // namespace safemig::migrate
