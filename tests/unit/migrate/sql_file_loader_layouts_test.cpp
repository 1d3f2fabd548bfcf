// Tests of the SQL-file loader on every layout: versions and order as each tool defines them,
// single-file sections, problems reported all at once, and real histories (fixtures/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "safemig/migrate/sql_file_loader.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::read_file;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Like support's IsOkAndHolds, whose description does not compile with a matcher argument.
MATCHER_P(IsOkWith, inner, "is a success whose value matches") {
  if (!arg.has_value()) {
    *result_listener << "error " << to_string(arg.error().code) << ": " << arg.error().describe();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

class LayoutTest : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& contents) {
    std::filesystem::create_directories(std::filesystem::path(dir_.file(name)).parent_path());
    write_file(dir_.file(name), contents);
  }
  Result<MigrationSet> load() { return load_sql_directory(dir_.path().string()); }
  std::vector<std::string> labels() {
    std::vector<std::string> out;
    auto set = load();
    if (set) {
      for (const MigrationStep& step : set->steps()) out.push_back(step.label());
    }
    return out;
  }
  static std::string body(const StepBody& b) { return std::get<std::string>(b); }

  TempDir dir_;
};

// ---- golang-migrate ---------------------------------------------------------------------------

TEST_F(LayoutTest, GolangMigrateStartsAtVersionZeroAndTakesTimestamps) {
  write("0000_system.up.sql", "CREATE TABLE s(id INTEGER);");
  write("0000_system.down.sql", "DROP TABLE s;");
  write("20240313170000_add.up.sql", "ALTER TABLE s ADD COLUMN v TEXT;");
  write("2_mid.up.sql", "");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "golang-migrate");
  EXPECT_THAT(labels(), ElementsAre("V0 system", "V2 mid", "V20240313170000 add"));
  EXPECT_THAT(set->steps()[0].down_touched_tables, ElementsAre("s"));
  EXPECT_THAT(set->steps()[2].touched_tables, ElementsAre("s"));
}

TEST_F(LayoutTest, GolangMigrateChecksumIsTheUpFileAsBefore) {
  write("1_a.up.sql", "abc");
  write("1_a.down.sql", "def");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  const MigrationStep& step = set->steps()[0];
  EXPECT_EQ(step.checksum(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(step.definition, "abc");
  ASSERT_EQ(step.earlier_checksums.size(), 3u);
  EXPECT_EQ(step.earlier_checksums[1], definition_checksum(std::string("abc\0def", 7)));
}

TEST_F(LayoutTest, ErrorHintsNameTheDetectedLayout) {
  write("1_a.up.sql", "SELECT 1;");
  write("notes.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("notes.sql"), HasSubstr("<n>_<name>.up.sql"),
                                    HasSubstr("golang-migrate"), Not(HasSubstr("V<n>__")))));
}

// ---- sqlx -------------------------------------------------------------------------------------

TEST_F(LayoutTest, SqlxPlainFilesAreUpOnly) {
  write("20240101000000_users.sql", "CREATE TABLE users(id INTEGER);");
  write("20240102000000_bulk.sql", "-- no-transaction\nVACUUM;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "sqlx");
  EXPECT_THAT(labels(), ElementsAre("V20240101000000 users", "V20240102000000 bulk"));
  EXPECT_FALSE(set->steps()[0].down.has_value());
  EXPECT_TRUE(set->steps()[0].transactional);
  EXPECT_FALSE(set->steps()[1].transactional);
}

TEST_F(LayoutTest, SqlxReversibleIsToldApartByItsNoTransactionMarker) {
  write("1_a.up.sql", "-- no-transaction\nVACUUM;");
  write("1_a.down.sql", "SELECT 1;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "sqlx");
  EXPECT_FALSE(set->steps()[0].transactional);
}

// ---- goose ------------------------------------------------------------------------------------

constexpr const char* kGoose =
    "-- a comment before the annotations\n"
    "-- +goose Up\n"
    "-- +goose StatementBegin\n"
    "CREATE TABLE t(id INTEGER);\n"
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;\n"
    "-- +goose StatementEnd\n"
    "\n"
    "-- +goose Down\n"
    "-- safemig:rows-change\n"
    "DROP TABLE t;\n";

TEST_F(LayoutTest, GooseSectionsAreUpAndDown) {
  write("00001_create.sql", kGoose);
  write("00002_empty.sql", "-- +goose Up\n-- +goose Down\n");
  write("3_up_only.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nVACUUM;\n");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "goose");
  EXPECT_THAT(labels(), ElementsAre("V1 create", "V2 empty", "V3 up_only"));
  const MigrationStep& create = set->steps()[0];
  EXPECT_THAT(body(create.up), AllOf(HasSubstr("CREATE TABLE t"), Not(HasSubstr("DROP"))));
  ASSERT_TRUE(create.down.has_value());
  EXPECT_THAT(body(*create.down), AllOf(HasSubstr("DROP TABLE t"), Not(HasSubstr("CREATE"))));
  EXPECT_THAT(create.touched_tables, IsEmpty());
  EXPECT_THAT(create.down_touched_tables, ElementsAre("t"));
  EXPECT_EQ(create.down_row_policy, RowPolicy::declared_change);
  EXPECT_TRUE(create.transactional);
  EXPECT_EQ(body(set->steps()[1].up), "");
  EXPECT_FALSE(set->steps()[2].transactional);
  EXPECT_EQ(body(*set->steps()[2].down), "");
}

TEST_F(LayoutTest, GooseErrors) {
  write("1_a.sql", "-- +goose Up\nSELECT 1;\n");
  write("0_zero.sql", "-- +goose Up\n");
  write("2_plain.sql", "SELECT 1;\n");
  write("3_go.go", "package migrations\n");
  write("4_open.sql", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n");
  write("5_env.sql", "-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${X}';\n");
  write("6_before.sql", "SELECT 1;\n-- +goose Up\n");
  auto loaded = load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::invalid_input);
  const std::string& message = loaded.error().message;
  EXPECT_THAT(message, HasSubstr("has 6 problems"));
  EXPECT_THAT(message, HasSubstr("0_zero.sql: has version 0, but goose versions start at 1"));
  EXPECT_THAT(message, HasSubstr("2_plain.sql: has no '-- +goose Up' annotation"));
  EXPECT_THAT(message, HasSubstr("3_go.go: is a goose Go migration"));
  EXPECT_THAT(message, HasSubstr("4_open.sql: line 2: '-- +goose StatementBegin' is never closed"));
  EXPECT_THAT(message, HasSubstr("5_env.sql: line 1: '-- +goose ENVSUB ON'"));
  EXPECT_THAT(message, HasSubstr("6_before.sql: line 1: a statement before '-- +goose Up'"));
}

// ---- dbmate -----------------------------------------------------------------------------------

TEST_F(LayoutTest, DbmateSectionsAndTransactionOption) {
  write("20240101000000_create.sql",
        "-- migrate:up\nCREATE TABLE t(id INTEGER);\n\n-- migrate:down\nDROP TABLE t;\n");
  write("20240102000000_vacuum.sql", "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\n");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "dbmate");
  EXPECT_THAT(labels(), ElementsAre("V20240101000000 create", "V20240102000000 vacuum"));
  EXPECT_EQ(body(set->steps()[0].up), "-- migrate:up\nCREATE TABLE t(id INTEGER);\n\n");
  EXPECT_EQ(body(*set->steps()[0].down), "-- migrate:down\nDROP TABLE t;\n");
  EXPECT_THAT(set->steps()[0].down_touched_tables, ElementsAre("t"));
  EXPECT_TRUE(set->steps()[0].transactional);
  EXPECT_FALSE(set->steps()[1].transactional);
}

TEST_F(LayoutTest, DbmateErrors) {
  write("20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n");
  write("20240102000000_b.sql", "-- migrate:down\n-- migrate:up\n");
  write("20240103000000_c.sql", "SELECT 1;\n");
  write("999_short.sql", "-- migrate:up\n-- migrate:down\n");
  auto loaded = load();
  ASSERT_FALSE(loaded.has_value());
  const std::string& message = loaded.error().message;
  EXPECT_THAT(message, HasSubstr("20240101000000_a.sql: no '-- migrate:down' line"));
  EXPECT_THAT(message, HasSubstr("20240102000000_b.sql: line 1: '-- migrate:down' before"));
  EXPECT_THAT(message, HasSubstr("20240103000000_c.sql: has no '-- migrate:up' line"));
  EXPECT_THAT(message, HasSubstr("999_short.sql: dbmate orders versions as text"));
}

// ---- Diesel -----------------------------------------------------------------------------------

TEST_F(LayoutTest, DieselVersionsAreTheFolderNameUpToTheFirstUnderscoreWithoutDashes) {
  write("00000000000000_diesel_initial_setup/up.sql", "-- comment only\n");
  write("00000000000000_diesel_initial_setup/down.sql", "");
  write("2024-03-13-170000_create_a/up.sql", "CREATE TABLE a(id INTEGER);");
  write("2024-03-13-170000_create_a/down.sql", "DROP TABLE a;");
  write("2024-03-14_080000_create_b/up.sql", "CREATE TABLE b(id INTEGER);");
  write("2024-03-14_080000_create_b/metadata.toml", "run_in_transaction = false\n");
  write("README.md", "notes");
  write(".keep", "");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "Diesel");
  // 2024-03-14_080000 has Diesel version 20240314: as text it sorts after 20240313170000,
  // although as a number it is smaller.
  EXPECT_THAT(labels(), ElementsAre("V00000000000000 diesel_initial_setup",
                                    "V20240313170000 create_a", "V20240314 080000_create_b"));
  EXPECT_EQ(set->steps()[2].version_name, "20240314");
  EXPECT_EQ(set->steps()[2].version, *text_order_key("20240314"));
  EXPECT_EQ(body(set->steps()[0].up), "-- comment only\n");
  EXPECT_EQ(body(*set->steps()[0].down), "");
  EXPECT_THAT(set->steps()[1].down_touched_tables, ElementsAre("a"));
  EXPECT_FALSE(set->steps()[2].down.has_value());
  EXPECT_FALSE(set->steps()[2].transactional);
}

// Diesel compares versions as text: a prefix sorts first, then digit by digit.
TEST_F(LayoutTest, DieselStepsRunInTextOrderOfTheirVersions) {
  write("2024-03-13-170000_a/up.sql", "SELECT 1;");
  write("2024-03-14_080000_b/up.sql", "SELECT 1;");
  write("2024-03-13_090000_c/up.sql", "SELECT 1;");
  write("2023-12-31-235959_d/up.sql", "SELECT 1;");
  ASSERT_THAT(load(), IsOk());
  EXPECT_THAT(labels(), ElementsAre("V20231231235959 d", "V20240313 090000_c", "V20240313170000 a",
                                    "V20240314 080000_b"));
}

TEST_F(LayoutTest, ADieselVersionOfMoreThanEighteenDigitsIsRefused) {
  write("2024-03-13-170000-12345_a/up.sql", "SELECT 1;");
  EXPECT_THAT(load(),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("2024-03-13-170000-12345_a/"),
                            HasSubstr("'2024031317000012345'"), HasSubstr("1 to 18 digits"))));
}

TEST_F(LayoutTest, TwoDieselFoldersOfOneVersionAreRefused) {
  write("2024-03-13-170000_a/up.sql", "SELECT 1;");
  write("20240313170000_b/up.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("has the same version")));
}

TEST_F(LayoutTest, DieselErrorsAreReportedTogether) {
  write("2024-01-01-000000_a/up.sql", "SELECT 1;");
  write("2024-01-02-000000_b/down.sql", "SELECT 1;");
  write("init_c/up.sql", "SELECT 1;");
  write("2024-01-03-000000_d/up.sql", "SELECT 'unterminated;");
  auto loaded = load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::not_found);  // The first problem's code.
  const std::string& message = loaded.error().message;
  EXPECT_THAT(message, HasSubstr("has 3 problems"));
  EXPECT_THAT(message, HasSubstr("2024-01-02-000000_b/: has no up.sql"));
  EXPECT_THAT(message, HasSubstr("init_c/: Diesel's version of this folder is 'init'"));
  EXPECT_THAT(message, HasSubstr("2024-01-03-000000_d/up.sql: unterminated string literal"));
}

TEST_F(LayoutTest, OneProblemIsReportedAsItIs) {
  write("2024-01-02-000000_b/down.sql", "SELECT 1;");
  write("2024-01-01-000000_a/up.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::not_found, AllOf(HasSubstr("2024-01-02-000000_b/: has no"),
                                                          Not(HasSubstr("problems")))));
}

// ---- Flyway repeatable, mixes -----------------------------------------------------------------

TEST_F(LayoutTest, FlywayRepeatableIsReadApartFromTheVersionedSteps) {
  write("V1__a.sql", "CREATE TABLE t(id INTEGER);");
  write(
      "R__views.sql",
      "-- safemig:touches t\n-- safemig:rows-change\nCREATE VIEW IF NOT EXISTS v AS SELECT 1;\r\n");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "Flyway");
  EXPECT_THAT(labels(), ElementsAre("V1 a"));
  ASSERT_EQ(set->repeatables().size(), 1u);
  const MigrationStep& views = set->repeatables()[0];
  EXPECT_TRUE(views.repeatable);
  EXPECT_EQ(views.label(), "R views");
  EXPECT_EQ(views.version, kNoVersion);
  EXPECT_FALSE(views.down.has_value());
  EXPECT_THAT(views.touched_tables, ElementsAre("t"));
  EXPECT_EQ(views.row_policy, RowPolicy::declared_change);
  // The checksum is the file's text with LF line ends, as a versioned step's.
  EXPECT_EQ(views.checksum(),
            definition_checksum(
                "-- safemig:touches t\n-- safemig:rows-change\nCREATE VIEW IF NOT EXISTS v AS "
                "SELECT 1;\n"));
  EXPECT_EQ(set->find_repeatable("views"), &views);
  // A versioned step's checksum is unchanged by repeatables beside it.
  EXPECT_EQ(set->steps()[0].checksum(), definition_checksum("CREATE TABLE t(id INTEGER);"));
}

TEST_F(LayoutTest, FlywayRepeatablesRunInTheOrderOfTheirDescriptions) {
  // Flyway orders descriptions, in which '_' is a space: "a b" sorts before "a1" and "aB".
  write("R__b.sql", "SELECT 1;");
  write("R__a1.sql", "SELECT 1;");
  write("R__a_b.sql", "SELECT 1;");
  write("R__Z.sql", "SELECT 1;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  std::vector<std::string> names;
  for (const MigrationStep& step : set->repeatables()) names.push_back(step.label());
  EXPECT_THAT(names, ElementsAre("R Z", "R a_b", "R a1", "R b"));
}

TEST_F(LayoutTest, ADirectoryOfOnlyRepeatablesIsFlyway) {
  write("R__views.sql", "SELECT 1;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "Flyway");
  EXPECT_THAT(set->steps(), IsEmpty());
  EXPECT_EQ(set->latest_version(), kNoVersion);
  EXPECT_EQ(set->repeatables().size(), 1u);
}

TEST_F(LayoutTest, MalformedRepeatablesAreReportedWithTheOtherProblems) {
  write("V1__a.sql", "SELECT 1;");
  write("R__.sql", "SELECT 1;");
  write("R__bad name.sql", "SELECT 1;");
  write("R__ok.sql", "-- safemig:nonsense\nSELECT 1;");
  write("V2.1__b.sql", "SELECT 1;");
  auto set = load();
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().code, ErrorCode::invalid_input);
  const std::string message = set.error().describe();
  EXPECT_THAT(message, HasSubstr("has 4 problems"));
  EXPECT_THAT(message, HasSubstr("R__.sql: malformed Flyway repeatable migration name"));
  EXPECT_THAT(message, HasSubstr("R__bad name.sql: malformed migration name 'bad name'"));
  EXPECT_THAT(message, HasSubstr("R__ok.sql"));
  EXPECT_THAT(message, HasSubstr("V2.1__b.sql"));
}

TEST_F(LayoutTest, ARepeatableDoesNotCountForTheNextFlywayVersion) {
  write("V3__a.sql", "SELECT 1;");
  write("R__views.sql", "SELECT 1;");
  auto path = new_migration_file(dir_.path().string(), "next");
  EXPECT_THAT(path, IsOkWith(EndsWith("V4__next.sql")));
}

TEST_F(LayoutTest, GooseBesideGolangMigrateIsAMix) {
  write("1_a.sql", "-- +goose Up\nSELECT 1;\n");
  write("2_b.up.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("the goose layout (1_a.sql)"),
                                    HasSubstr("the golang-migrate layout (2_b.up.sql)"))));
}

// ---- new_migration_file -----------------------------------------------------------------------

TEST_F(LayoutTest, NewMigrationFileFollowsTheLayout) {
  write("0001_a.up.sql", "SELECT 1;");
  EXPECT_THAT(new_migration_file(dir_.path().string(), "b"), IsOkWith(EndsWith("/0002_b.up.sql")));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("0002_b.down.sql")));
  EXPECT_THAT(load(), IsOk());
}

TEST_F(LayoutTest, NewMigrationFileWritesTheToolsTemplates) {
  write("20240101000000_a.sql", "-- migrate:up\n-- migrate:down\n");
  auto dbmate = new_migration_file(dir_.path().string(), "b");
  ASSERT_THAT(dbmate, IsOk());
  EXPECT_THAT(read_file(*dbmate), HasSubstr("-- migrate:up"));
  EXPECT_THAT(load(), IsOk());

  TempDir diesel;
  std::filesystem::create_directories(diesel.file("2024-01-01-000000_a"));
  write_file(diesel.file("2024-01-01-000000_a/up.sql"), "SELECT 1;");
  auto up = new_migration_file(diesel.path().string(), "b");
  ASSERT_THAT(up, IsOkWith(EndsWith("_b/up.sql")));
  EXPECT_THAT(load_sql_directory(diesel.path().string()), IsOk());
}

// ---- real histories ---------------------------------------------------------------------------

std::string fixture(const std::string& name) {
  return std::string(SAFEMIG_LOADER_FIXTURES) + "/" + name;
}

TEST(RealHistoryTest, DieselShmd) {
  auto set = load_sql_directory(fixture("diesel_shmd"));
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "Diesel");
  ASSERT_EQ(set->steps().size(), 2u);
  EXPECT_EQ(set->steps()[0].label(), "V00000000000000 diesel_initial_setup");
  EXPECT_EQ(set->steps()[1].label(), "V20221117064726 create_media");
  EXPECT_THAT(set->steps()[1].down_touched_tables, ElementsAre("media"));
}

TEST(RealHistoryTest, GooseGoTasker) {
  auto set = load_sql_directory(fixture("goose_go_tasker"));
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "goose");
  ASSERT_EQ(set->steps().size(), 1u);
  EXPECT_EQ(set->steps()[0].label(), "V20240503151139 create_lists");
  EXPECT_THAT(set->steps()[0].down_touched_tables, ElementsAre("lists"));
}

TEST(RealHistoryTest, GolangMigrateZsync) {
  auto set = load_sql_directory(fixture("golang_migrate_zsync"));
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "golang-migrate");
  ASSERT_EQ(set->steps().size(), 1u);
  EXPECT_EQ(set->steps()[0].label(), "V1 init");
  EXPECT_THAT(set->steps()[0].down_touched_tables, ElementsAre("config", "urls", "commands"));
}

}  // namespace
}  // namespace safemig::migrate
