// Each tool's table is created with the DDL the tool itself runs on SQLite and filled with the
// rows it writes (Go's database/sql drivers store bool as 1/0, Flyway's JDBC driver too).
#include "safemig/migrate/foreign_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/step.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// diesel_migrations: setup_migration_table.sql.
constexpr const char* kDieselDdl =
    "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n"
    "       version VARCHAR(50) PRIMARY KEY NOT NULL,\n"
    "       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
    ");\n";
// golang-migrate: database/sqlite3 ensureVersionTable.
constexpr const char* kGolangMigrateDdl =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);\n"
    "  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);";
// goose: internal/dialect/dialectquery Sqlite3.CreateTable.
constexpr const char* kGooseDdl =
    "CREATE TABLE goose_db_version (\n"
    "\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "\t\tversion_id INTEGER NOT NULL,\n"
    "\t\tis_applied INTEGER NOT NULL,\n"
    "\t\ttstamp TIMESTAMP DEFAULT (datetime('now'))\n"
    "\t)";
// dbmate: pkg/driver/sqlite CreateMigrationsTable.
constexpr const char* kDbmateDdl =
    "create table if not exists \"schema_migrations\" (version varchar(128) primary key)";
// Flyway: internal/database/sqlite/createMetaDataTable.sql (schema "main").
constexpr const char* kFlywayDdl =
    "CREATE TABLE \"main\".\"flyway_schema_history\" (\n"
    "    \"installed_rank\" INT NOT NULL PRIMARY KEY,\n"
    "    \"version\" VARCHAR(50),\n"
    "    \"description\" VARCHAR(200) NOT NULL,\n"
    "    \"type\" VARCHAR(20) NOT NULL,\n"
    "    \"script\" VARCHAR(1000) NOT NULL,\n"
    "    \"checksum\" INT,\n"
    "    \"installed_by\" VARCHAR(100) NOT NULL,\n"
    "    \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),\n"
    "    \"execution_time\" INT NOT NULL,\n"
    "    \"success\" BOOLEAN NOT NULL\n"
    ");\n"
    "\n"
    "CREATE INDEX \"main\".\"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" "
    "(\"success\");\n";

constexpr const char* kFlywayInsert =
    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
    "checksum, installed_by, execution_time, success) VALUES (?, ?, ?, ?, ?, ?, 'app', ?, ?)";

class ForeignHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = db::open_sqlite(dir_.file("app.db"));
    ASSERT_THAT(opened, IsOk());
    conn_ = std::move(*opened);
    ASSERT_THAT(conn_->execute_script("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"),
                IsOk());
  }

  void run(const char* sql) { ASSERT_THAT(conn_->execute_script(sql), IsOk()) << sql; }

  ForeignHistory read() {
    auto history = read_foreign_history(*conn_);
    EXPECT_THAT(history, IsOk());
    if (!history || !history->has_value()) {
      ADD_FAILURE() << "no foreign history found";
      return {};
    }
    return **history;
  }

  void flyway_row(std::int64_t rank, db::Value version, const std::string& description,
                  const std::string& type, const std::string& script, db::Value checksum,
                  bool success) {
    ASSERT_THAT(conn_->execute(kFlywayInsert, {rank, std::move(version), description, type, script,
                                               std::move(checksum), std::int64_t{12},
                                               std::int64_t{success ? 1 : 0}}),
                IsOk());
  }

  TempDir dir_;
  std::unique_ptr<db::Connection> conn_;
};

MigrationSet set_of(std::vector<Version> versions) {
  std::vector<MigrationStep> steps;
  for (Version v : versions) {
    MigrationStep step;
    step.version = v;
    step.name = "step_" + std::to_string(v);
    step.up = std::string("SELECT 1");
    steps.push_back(std::move(step));
  }
  auto set = MigrationSet::create(std::move(steps), "migrations/");
  EXPECT_THAT(set, IsOk());
  return *set;
}

TEST_F(ForeignHistoryTest, NoToolTableMeansNoForeignHistory) {
  auto history = read_foreign_history(*conn_);
  ASSERT_THAT(history, IsOk());
  EXPECT_FALSE(history->has_value());
  auto tables = find_foreign_history_tables(*conn_);
  ASSERT_THAT(tables, IsOk());
  EXPECT_THAT(*tables, IsEmpty());
}

// Diesel's versions are text, compared as text: kept by their text_order_key, shown as written.
TEST_F(ForeignHistoryTest, DieselRowsAreTheAppliedVersionsAsText) {
  run(kDieselDdl);
  for (const char* version : {"20240401090000", "00000000000000", "20240314", "20240313170000"}) {
    ASSERT_THAT(conn_->execute("INSERT INTO __diesel_schema_migrations (version) VALUES (?)",
                               {std::string(version)}),
                IsOk());
  }
  const ForeignHistory history = read();
  EXPECT_EQ(history.tool, ForeignTool::diesel);
  EXPECT_EQ(history.table, "__diesel_schema_migrations");
  EXPECT_THAT(history.applied,
              ElementsAre(*text_order_key("00000000000000"), *text_order_key("20240313170000"),
                          *text_order_key("20240314"), *text_order_key("20240401090000")));
  EXPECT_FALSE(history.applied_up_to.has_value());
  EXPECT_FALSE(history.dirty);
  EXPECT_EQ(history.describe(),
            "Diesel (table __diesel_schema_migrations): versions 00000000000000, 20240313170000, "
            "20240314, 20240401090000");
}

TEST_F(ForeignHistoryTest, ADieselVersionSafemigCannotKeepIsRefused) {
  run(kDieselDdl);
  run("INSERT INTO __diesel_schema_migrations (version) VALUES ('v1_alpha')");
  EXPECT_THAT(read_foreign_history(*conn_),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("'v1_alpha'"), HasSubstr("cannot be taken over"),
                            HasSubstr("baseline"))));
}

TEST_F(ForeignHistoryTest, GolangMigrateRecordsTheCurrentVersionOnly) {
  run(kGolangMigrateDdl);
  run("INSERT INTO schema_migrations (version, dirty) VALUES (3, 0)");
  const ForeignHistory history = read();
  EXPECT_EQ(history.tool, ForeignTool::golang_migrate);
  EXPECT_THAT(history.applied, IsEmpty());
  EXPECT_EQ(history.applied_up_to, 3);
  EXPECT_FALSE(history.dirty);
  EXPECT_EQ(history.dirty_message(), "");
  EXPECT_EQ(history.describe(), "golang-migrate (table schema_migrations): every version up to 3");

  EXPECT_THAT(applied_versions(history, set_of({1, 2, 3, 4})), ElementsAre(1, 2, 3));
  EXPECT_THAT(missing_versions(history, set_of({1, 2, 3, 4})), IsEmpty());
  // golang-migrate needs the file of its current version; safemig does too.
  EXPECT_THAT(missing_versions(history, set_of({1, 2, 4})), ElementsAre(3));
}

TEST_F(ForeignHistoryTest, GolangMigrateWithoutARowHasNothingApplied) {
  run(kGolangMigrateDdl);
  const ForeignHistory history = read();
  EXPECT_EQ(history.tool, ForeignTool::golang_migrate);
  EXPECT_FALSE(history.applied_up_to.has_value());
  EXPECT_THAT(history.applied, IsEmpty());
  EXPECT_FALSE(history.dirty);
  EXPECT_THAT(applied_versions(history, set_of({1, 2})), IsEmpty());
}

TEST_F(ForeignHistoryTest, GolangMigrateDirtyIsReportedWithWhatToDo) {
  run(kGolangMigrateDdl);
  run("INSERT INTO schema_migrations (version, dirty) VALUES (4, 1)");
  const ForeignHistory history = read();
  EXPECT_TRUE(history.dirty);
  EXPECT_EQ(history.dirty_version, 4);
  EXPECT_FALSE(history.applied_up_to.has_value());
  EXPECT_THAT(history.describe(), HasSubstr("dirty: schema_migrations: version 4, dirty = true"));
  EXPECT_THAT(history.dirty_message(),
              AllOf(HasSubstr("failed run of version 4"), HasSubstr("Check the schema"),
                    HasSubstr("migrate force 4"), HasSubstr("restore a backup")));
}

TEST_F(ForeignHistoryTest, GolangMigrateDirtyNilVersionIsDirty) {
  run(kGolangMigrateDdl);
  run("INSERT INTO schema_migrations (version, dirty) VALUES (-1, 1)");
  const ForeignHistory history = read();
  EXPECT_TRUE(history.dirty);
  EXPECT_FALSE(history.dirty_version.has_value());
  EXPECT_THAT(history.dirty_message(), HasSubstr("failed run of a migration"));
}

TEST_F(ForeignHistoryTest, GolangMigrateWithTwoRowsIsCorrupt) {
  run(kGolangMigrateDdl);
  run("INSERT INTO schema_migrations (version, dirty) VALUES (3, 0), (4, 0)");
  EXPECT_THAT(read_foreign_history(*conn_),
              ErrorIs(ErrorCode::corrupt, HasSubstr("more than one row")));
}

TEST_F(ForeignHistoryTest, GooseLatestRowPerVersionDecides) {
  run(kGooseDdl);
  // goose writes version 0 when it creates the table; then 1, 2, 3 up, 3 and 2 down, 2 up again.
  for (auto [version, applied] :
       {std::pair{0, 1}, {1, 1}, {2, 1}, {3, 1}, {3, 0}, {2, 0}, {2, 1}}) {
    ASSERT_THAT(
        conn_->execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)",
                       {std::int64_t{version}, std::int64_t{applied}}),
        IsOk());
  }
  const ForeignHistory history = read();
  EXPECT_EQ(history.tool, ForeignTool::goose);
  EXPECT_THAT(history.applied, ElementsAre(1, 2));
  EXPECT_FALSE(history.dirty);
}

TEST_F(ForeignHistoryTest, GooseWithOnlyItsInitialRowHasNothingApplied) {
  run(kGooseDdl);
  run("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1)");
  const ForeignHistory history = read();
  EXPECT_THAT(history.applied, IsEmpty());
  EXPECT_EQ(history.describe(), "goose (table goose_db_version): no version applied");
}

TEST_F(ForeignHistoryTest, DbmateRowsAreTheAppliedVersions) {
  run(kDbmateDdl);
  run("INSERT INTO \"schema_migrations\" (version) VALUES ('20240201000000'), ('20240101000000')");
  const ForeignHistory history = read();
  EXPECT_EQ(history.tool, ForeignTool::dbmate);
  EXPECT_EQ(history.table, "schema_migrations");
  EXPECT_THAT(history.applied, ElementsAre(20240101000000, 20240201000000));
  EXPECT_FALSE(history.applied_up_to.has_value());
}

TEST_F(ForeignHistoryTest, FlywaySuccessfulVersionedRowsAreAppliedAndAFailedRowIsDirty) {
  run(kFlywayDdl);
  flyway_row(1, std::string("1"), "create items", "SQL", "V1__create_items.sql",
             std::int64_t{604039330}, true);
  flyway_row(2, std::string("2"), "add index", "SQL", "V2__add_index.sql",
             std::int64_t{-1757045132}, true);
  flyway_row(3, db::Null{}, "views", "SQL", "R__views.sql", std::int64_t{42}, true);
  flyway_row(4, std::string("3"), "add column", "SQL", "V3__add_column.sql", std::int64_t{7},
             false);
  const ForeignHistory history = read();
  EXPECT_EQ(history.tool, ForeignTool::flyway);
  EXPECT_THAT(history.applied, ElementsAre(1, 2));
  EXPECT_TRUE(history.dirty);
  EXPECT_EQ(history.dirty_version, 3);
  EXPECT_THAT(history.dirty_detail, HasSubstr("V3__add_column.sql"));
  EXPECT_THAT(history.dirty_message(), AllOf(HasSubstr("version 3"), HasSubstr("flyway repair"),
                                             HasSubstr("restore a backup")));
}

TEST_F(ForeignHistoryTest, FlywayBaselineUndoAndDeleteRows) {
  run(kFlywayDdl);
  flyway_row(1, std::string("5"), "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>",
             db::Null{}, true);
  flyway_row(2, std::string("6"), "a", "SQL", "V6__a.sql", std::int64_t{1}, true);
  flyway_row(3, std::string("7"), "b", "SQL", "V7__b.sql", std::int64_t{2}, true);
  flyway_row(4, std::string("8"), "c", "JDBC", "db.migration.V8__c", db::Null{}, true);
  flyway_row(5, std::string("7"), "b", "UNDO_SQL", "U7__b.sql", std::int64_t{3}, true);
  flyway_row(6, std::string("8"), "c", "DELETE", "db.migration.V8__c", db::Null{}, true);
  const ForeignHistory history = read();
  EXPECT_EQ(history.applied_up_to, 5);
  EXPECT_THAT(history.applied, ElementsAre(6));
  EXPECT_FALSE(history.dirty);
  EXPECT_EQ(history.describe(),
            "Flyway (table flyway_schema_history): every version up to 5, and version 6");
  // A baseline version needs no step of its own.
  EXPECT_THAT(missing_versions(history, set_of({6})), IsEmpty());
  EXPECT_THAT(applied_versions(history, set_of({2, 6, 7})), ElementsAre(2, 6));
}

TEST_F(ForeignHistoryTest, FlywayDottedVersionCannotBeTakenOver) {
  run(kFlywayDdl);
  flyway_row(1, std::string("1.1"), "a", "SQL", "V1_1__a.sql", std::int64_t{1}, true);
  EXPECT_THAT(read_foreign_history(*conn_),
              ErrorIs(ErrorCode::invalid_input, AllOf(HasSubstr("'1.1'"), HasSubstr("baseline"))));
}

TEST_F(ForeignHistoryTest, SchemaMigrationsOfAnotherShapeIsRefused) {
  run("CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, migration TEXT, applied_at TEXT)");
  EXPECT_THAT(read_foreign_history(*conn_),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("(id INTEGER, migration TEXT, applied_at TEXT)"),
                            HasSubstr("golang-migrate's (version, dirty)"),
                            HasSubstr("dbmate's (version)"), HasSubstr("baseline"))));
  // Not a tool's table, so baseline compares it like any other.
  auto tables = find_foreign_history_tables(*conn_);
  ASSERT_THAT(tables, IsOk());
  EXPECT_THAT(*tables, IsEmpty());
}

TEST_F(ForeignHistoryTest, TablesOfTwoToolsNeedAPersonToChoose) {
  run(kGooseDdl);
  run(kDieselDdl);
  EXPECT_THAT(read_foreign_history(*conn_),
              ErrorIs(ErrorCode::failed_precondition,
                      AllOf(HasSubstr("Diesel (__diesel_schema_migrations)"),
                            HasSubstr("goose (goose_db_version)"))));
}

TEST_F(ForeignHistoryTest, ConfiguredTableNamesAreRead) {
  run("CREATE TABLE IF NOT EXISTS app_versions (version uint64,dirty bool)");
  run("INSERT INTO app_versions (version, dirty) VALUES (2, 0)");
  ForeignHistoryTables tables;
  tables.golang_migrate = "app_versions";
  auto history = read_foreign_history(*conn_, tables);
  ASSERT_THAT(history, IsOk());
  ASSERT_TRUE(history->has_value());
  EXPECT_EQ((*history)->tool, ForeignTool::golang_migrate);
  EXPECT_EQ((*history)->table, "app_versions");
  EXPECT_EQ((*history)->applied_up_to, 2);
}

}  // namespace
}  // namespace safemig::migrate
