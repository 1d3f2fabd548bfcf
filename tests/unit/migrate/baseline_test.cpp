#include "safemig/migrate/baseline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kV1 = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);";
constexpr const char* kV2 = "CREATE INDEX items_by_name ON items (name);";
constexpr const char* kV3 = "ALTER TABLE items ADD COLUMN price INTEGER NOT NULL DEFAULT 0;";

MigrationStep sql_step(Version version, std::string name, std::string sql) {
  MigrationStep step;
  step.version = version;
  step.name = std::move(name);
  step.up = std::move(sql);
  return step;
}

// V1 and V2 are SQL; V3 is a C++ step, as the application's history has them.
MigrationSet three_steps() {
  MigrationStep v3;
  v3.version = 3;
  v3.name = "add_price";
  v3.up = StepCallable([](db::Connection& conn) { return conn.execute_script(kV3); });
  v3.definition = kV3;
  auto set = MigrationSet::create(
      {sql_step(1, "create_items", kV1), sql_step(2, "index_items", kV2), std::move(v3)},
      "migrations/");
  EXPECT_THAT(set, IsOk());
  return *set;
}

class BaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = db::open_sqlite(dir_.file("app.db"));
    ASSERT_THAT(opened, IsOk());
    conn_ = std::move(*opened);
  }

  void run(const std::string& sql) { ASSERT_THAT(conn_->execute_script(sql), IsOk()) << sql; }

  std::int64_t count(const std::string& sql) {
    auto n = conn_->query_int(sql);
    EXPECT_THAT(n, IsOk());
    return n ? *n : -1;
  }

  bool has_history_table() {
    return count("SELECT count(*) FROM sqlite_schema WHERE name = '_safemig_history'") == 1;
  }

  TempDir dir_;
  std::unique_ptr<db::Connection> conn_;
  MigrationSet set_ = three_steps();
};

TEST_F(BaselineTest, EqualSchemaRecordsEveryStepUpToTheVersion) {
  run(std::string(kV1) + kV2 + "INSERT INTO items (name) VALUES ('a'), ('b');");
  BaselineOptions options;
  options.backup_marker = "baseline";
  auto report = baseline(*conn_, set_, 2, options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->version, 2);
  EXPECT_THAT(report->ignored_tables, IsEmpty());
  ASSERT_EQ(report->recorded.size(), 2u);

  auto history = read_history(*conn_);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const HistoryEntry& row = (*history)[i];
    const MigrationStep& step = set_.steps()[i];
    EXPECT_EQ(row.version, step.version);
    EXPECT_EQ(row.name, step.name);
    EXPECT_EQ(row.checksum, step.checksum());
    EXPECT_EQ(row.direction, Direction::up);
    EXPECT_EQ(row.duration_ms, 0);
    EXPECT_EQ(row.backup_path, "baseline");
    EXPECT_EQ(row.id, report->recorded[i].id);
  }
  EXPECT_THAT(read_current_version(*conn_), IsOkAndHolds(2));
  EXPECT_EQ(count("SELECT count(*) FROM items"), 2);
}

TEST_F(BaselineTest, CallableStepsBuildTheExpectedSchemaToo) {
  run(std::string(kV1) + kV2 + kV3);
  auto report = baseline(*conn_, set_, 3);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->version, 3);
  ASSERT_EQ(report->recorded.size(), 3u);
  EXPECT_EQ(report->recorded[2].checksum, set_.steps()[2].checksum());
  EXPECT_EQ(report->recorded[2].backup_path, "");
}

TEST_F(BaselineTest, DifferingSchemaIsAMismatchNamingTheDifferenceAndWritesNothing) {
  run(kV1);  // The index of V2 is missing.
  EXPECT_THAT(baseline(*conn_, set_, 2),
              ErrorIs(ErrorCode::schema_mismatch,
                      AllOf(HasSubstr("migrations/ at version 2"), HasSubstr("items_by_name"),
                            HasSubstr("missing"), HasSubstr("Nothing was recorded"))));
  EXPECT_FALSE(has_history_table());
}

TEST_F(BaselineTest, ExtraColumnIsAMismatch) {
  run(std::string(kV1) + kV2 + "ALTER TABLE items ADD COLUMN note TEXT;");
  EXPECT_THAT(baseline(*conn_, set_, 2), ErrorIs(ErrorCode::schema_mismatch, HasSubstr("note")));
  EXPECT_FALSE(has_history_table());
}

TEST_F(BaselineTest, ExistingHistoryIsAFailedPrecondition) {
  run(std::string(kV1) + kV2);
  ASSERT_THAT(baseline(*conn_, set_, 2), IsOk());
  EXPECT_THAT(baseline(*conn_, set_, 2),
              ErrorIs(ErrorCode::failed_precondition,
                      AllOf(HasSubstr("already has safemig's history"), HasSubstr("migrate"))));
  EXPECT_EQ(count("SELECT count(*) FROM _safemig_history"), 2);
}

TEST_F(BaselineTest, VersionThatIsNotAStepIsInvalidInput) {
  EXPECT_THAT(
      baseline(*conn_, set_, 7),
      ErrorIs(ErrorCode::invalid_input,
              AllOf(HasSubstr("version 7 is not a step of migrations/"), HasSubstr("latest: 3"))));
  EXPECT_FALSE(has_history_table());
}

TEST_F(BaselineTest, StepFailingOnTheScratchDatabaseNamesTheStep) {
  auto broken = MigrationSet::create(
      {sql_step(1, "create_items", kV1), sql_step(2, "broken", "CREATE INDEX x ON nowhere (a);")},
      "migrations/");
  ASSERT_THAT(broken, IsOk());
  auto report = baseline(*conn_, *broken, 2);
  EXPECT_THAT(report, ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V2 broken failed on an empty scratch database"),
                                    HasSubstr("nowhere"))));
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().step, "V2 broken");
  EXPECT_FALSE(has_history_table());
}

TEST_F(BaselineTest, OtherToolsHistoryTablesAreLeftOutOfTheComparison) {
  run(std::string(kV1) + kV2);
  run("CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);\n"
      "  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);");
  auto report = baseline(*conn_, set_, 2);
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(report->ignored_tables, ElementsAre("schema_migrations"));
}

TEST_F(BaselineTest, ScratchSchemaOfUnknownVersionIsNotFound) {
  EXPECT_THAT(scratch_schema(set_, {1, 9}),
              ErrorIs(ErrorCode::not_found, HasSubstr("version 9 is not a step")));
}

class TakeOverTest : public BaselineTest {
 protected:
  void golang_migrate(const std::string& version, const std::string& dirty) {
    run("CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);\n"
        "  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);");
    run("INSERT INTO schema_migrations (version, dirty) VALUES (" + version + ", " + dirty + ")");
  }

  ForeignHistory read() {
    auto history = read_foreign_history(*conn_);
    EXPECT_THAT(history, IsOk());
    if (!history || !history->has_value()) return {};
    return **history;
  }
};

TEST_F(TakeOverTest, GolangMigrateVersionBecomesSafemigHistory) {
  run(std::string(kV1) + kV2 + kV3);
  golang_migrate("3", "0");
  TakeOverOptions options;
  options.backup_marker = "taken over from golang-migrate";
  auto report = take_over(*conn_, set_, read(), options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->version, 3);
  EXPECT_THAT(report->ignored_tables, ElementsAre("schema_migrations"));
  auto history = read_history(*conn_);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].checksum, set_.steps()[2].checksum());
  EXPECT_EQ((*history)[2].backup_path, "taken over from golang-migrate");
  // The tool's table stays as it was.
  EXPECT_EQ(count("SELECT version FROM schema_migrations"), 3);
}

TEST_F(TakeOverTest, GooseAppliedVersionsBecomeSafemigHistory) {
  run(std::string(kV1) + kV2);
  run("CREATE TABLE goose_db_version (\n"
      "\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
      "\t\tversion_id INTEGER NOT NULL,\n"
      "\t\tis_applied INTEGER NOT NULL,\n"
      "\t\ttstamp TIMESTAMP DEFAULT (datetime('now'))\n"
      "\t)");
  run("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (2, 1), "
      "(3, 1), (3, 0)");
  auto report = take_over(*conn_, set_, read());
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->recorded.size(), 2u);
  EXPECT_EQ(report->version, 2);
  EXPECT_THAT(read_current_version(*conn_), IsOkAndHolds(2));
}

TEST_F(TakeOverTest, DirtyHistoryIsRefusedWithWhatToDo) {
  run(std::string(kV1) + kV2);
  golang_migrate("3", "1");
  EXPECT_THAT(take_over(*conn_, set_, read()),
              ErrorIs(ErrorCode::failed_precondition,
                      AllOf(HasSubstr("failed run of version 3"), HasSubstr("migrate force"),
                            HasSubstr("restore a backup"))));
  EXPECT_FALSE(has_history_table());
}

TEST_F(TakeOverTest, VersionWithoutAStepIsRefused) {
  run(std::string(kV1) + kV2);
  golang_migrate("5", "0");
  EXPECT_THAT(take_over(*conn_, set_, read()),
              ErrorIs(ErrorCode::failed_precondition,
                      AllOf(HasSubstr("golang-migrate records version 5 as applied"),
                            HasSubstr("migrations/ has no step for it"))));
  EXPECT_FALSE(has_history_table());
}

TEST_F(TakeOverTest, SchemaThatIsNotTheAppliedStepsIsAMismatch) {
  run(kV1);
  golang_migrate("2", "0");
  EXPECT_THAT(take_over(*conn_, set_, read()),
              ErrorIs(ErrorCode::schema_mismatch, AllOf(HasSubstr("golang-migrate applied (1, 2)"),
                                                        HasSubstr("items_by_name"))));
  EXPECT_FALSE(has_history_table());
}

TEST_F(TakeOverTest, ExistingSafemigHistoryIsAFailedPrecondition) {
  run(std::string(kV1) + kV2);
  ASSERT_THAT(baseline(*conn_, set_, 2), IsOk());
  golang_migrate("2", "0");
  EXPECT_THAT(take_over(*conn_, set_, read()),
              ErrorIs(ErrorCode::failed_precondition, HasSubstr("already has safemig's history")));
}

TEST_F(TakeOverTest, FlywayBaselineWithoutItsEarlierStepsSkipsTheSchemaCheckOnRequest) {
  // Flyway was baselined at 1 on a hand-made schema, then ran V2 and V3; the set starts at 2.
  run(std::string(kV1) + kV2 + kV3);
  auto set = MigrationSet::create({sql_step(2, "index_items", kV2), sql_step(3, "add_price", kV3)},
                                  "migrations/");
  ASSERT_THAT(set, IsOk());
  ForeignHistory flyway;
  flyway.tool = ForeignTool::flyway;
  flyway.table = "flyway_schema_history";
  flyway.applied_up_to = 1;
  flyway.applied = {2, 3};
  EXPECT_THAT(take_over(*conn_, *set, flyway),
              ErrorIs(ErrorCode::failed_precondition,
                      AllOf(HasSubstr("Flyway marks every version up to 1 as applied"),
                            HasSubstr("without the schema comparison"))));
  TakeOverOptions options;
  options.check_schema = false;
  auto report = take_over(*conn_, *set, flyway, options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->version, 3);
  EXPECT_EQ(report->recorded.size(), 2u);
}

}  // namespace
}  // namespace safemig::migrate
