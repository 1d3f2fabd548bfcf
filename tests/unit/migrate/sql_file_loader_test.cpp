// Tests of the SQL-file loader and new_migration_file.
#include "safemig/migrate/sql_file_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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

// Like support's IsOkAndHolds, whose description does not compile with a matcher argument.
MATCHER_P(IsOkWith, inner, "is a success whose value matches") {
  if (!arg.has_value()) {
    *result_listener << "error " << to_string(arg.error().code) << ": " << arg.error().describe();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

constexpr const char* kCreate = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n";
constexpr const char* kAdd = "ALTER TABLE t ADD COLUMN w INTEGER;\n";
constexpr const char* kRebuild =
    "CREATE TABLE new_t(id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT '', w INTEGER);\n"
    "INSERT INTO new_t(id, v, w) SELECT id, coalesce(v, ''), w FROM t;\n"
    "DROP TABLE t;\n"
    "ALTER TABLE new_t RENAME TO t;\n";
constexpr const char* kUndoRebuild =
    "CREATE TABLE old_t(id INTEGER PRIMARY KEY, v TEXT, w INTEGER);\n"
    "INSERT INTO old_t SELECT id, v, w FROM t;\n"
    "DROP TABLE t;\n"
    "ALTER TABLE old_t RENAME TO t;\n";

class SqlFileLoaderTest : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& contents) {
    write_file(dir_.file(name), contents);
  }
  void make_dir(const std::string& name) { std::filesystem::create_directories(dir_.file(name)); }
  void write_acceptance_layout() {
    write("V1__create.sql", kCreate);
    write("V2__add.sql", kAdd);
    write("V3__rebuild.sql", kRebuild);
    write("U3__rebuild.sql", kUndoRebuild);
  }
  Result<MigrationSet> load() { return load_sql_directory(dir_.path().string()); }
  std::string checksum_of(int version) {
    auto set = load();
    if (!set || set->find(version) == nullptr) return "";
    return set->find(version)->checksum();
  }

  TempDir dir_;
};

TEST_F(SqlFileLoaderTest, LoadsTheAcceptanceLayoutInOrder) {
  write_acceptance_layout();
  write("README.md", "notes");
  write("V3.schema.json", "{}");
  write(".V9__hidden.sql", "SELECT 1;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ(set->steps().size(), 3u);
  EXPECT_EQ(set->source(), dir_.path().string());
  EXPECT_EQ(set->latest_version(), 3);

  const MigrationStep& create = set->steps()[0];
  EXPECT_EQ(create.version, 1);
  EXPECT_EQ(create.name, "create");
  EXPECT_EQ(std::get<std::string>(create.up), kCreate);
  EXPECT_FALSE(create.down.has_value());
  EXPECT_THAT(create.touched_tables, IsEmpty());
  EXPECT_FALSE(create.rebuilds_tables);
  EXPECT_TRUE(create.transactional);
  EXPECT_EQ(create.row_policy, RowPolicy::preserve);
  EXPECT_FALSE(create.expected_schema.has_value());

  const MigrationStep& add = set->steps()[1];
  EXPECT_EQ(add.label(), "V2 add");
  EXPECT_FALSE(add.down.has_value());
  EXPECT_THAT(add.touched_tables, ElementsAre("t"));
  EXPECT_FALSE(add.rebuilds_tables);

  const MigrationStep& rebuild = set->steps()[2];
  EXPECT_EQ(rebuild.label(), "V3 rebuild");
  ASSERT_TRUE(rebuild.down.has_value());
  EXPECT_EQ(std::get<std::string>(*rebuild.down), kUndoRebuild);
  EXPECT_THAT(rebuild.touched_tables, ElementsAre("t"));
  EXPECT_TRUE(rebuild.rebuilds_tables);
}

TEST_F(SqlFileLoaderTest, ChecksumOfAMigrationWithoutUndoIsTheFilesSha256) {
  write("V1__create.sql", "abc");
  EXPECT_EQ(checksum_of(1), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The checksum is the up file's text: its down file runs only when asked for, and can be added
// or fixed after the step was applied (Flyway checksums undo files apart too).
TEST_F(SqlFileLoaderTest, ChecksumChangesWithTheUpFileOnly) {
  write_acceptance_layout();
  const std::string v2 = checksum_of(2);
  const std::string v3 = checksum_of(3);
  ASSERT_FALSE(v2.empty());

  write("V2__add.sql", std::string(kAdd) + "-- reviewed\n");
  EXPECT_NE(checksum_of(2), v2);
  EXPECT_EQ(checksum_of(3), v3);

  write("U3__rebuild.sql", std::string(kUndoRebuild) + "\n");
  EXPECT_EQ(checksum_of(3), v3);
}

TEST_F(SqlFileLoaderTest, ChecksumIgnoresLineEndingsAndAByteOrderMark) {
  write("V1__a.sql", "SELECT 1;\nSELECT 2;\n");
  const std::string before = checksum_of(1);
  write("V1__a.sql", "\xEF\xBB\xBFSELECT 1;\r\nSELECT 2;\r\n");
  EXPECT_EQ(checksum_of(1), before);
  write("V1__a.sql", "SELECT 1;\r\nSELECT 3;\r\n");
  EXPECT_NE(checksum_of(1), before);
}

TEST_F(SqlFileLoaderTest, ChecksumDoesNotChangeWhenAnUnrelatedFileChanges) {
  write_acceptance_layout();
  const std::string v1 = checksum_of(1);
  const std::string v3 = checksum_of(3);
  write("README.md", "changed");
  write("V4__next.sql", "CREATE TABLE u(id INTEGER);");
  EXPECT_EQ(checksum_of(1), v1);
  EXPECT_EQ(checksum_of(3), v3);
}

TEST_F(SqlFileLoaderTest, MovingTextFromUpToUndoChangesTheChecksumOfTheUpFile) {
  write("V1__a.sql", "SELECT 1;SELECT 2;");
  write("U1__a.sql", "SELECT 3;");
  const std::string before = checksum_of(1);
  write("V1__a.sql", "SELECT 1;");
  write("U1__a.sql", "SELECT 2;SELECT 3;");
  EXPECT_NE(checksum_of(1), before);
}

TEST_F(SqlFileLoaderTest, EmptyDirectoryIsAnEmptySet) {
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_THAT(set->steps(), IsEmpty());
}

TEST_F(SqlFileLoaderTest, LeadingZerosAndGapsAreAccepted) {
  write("V001__a.sql", "SELECT 1;");
  write("V10__b.sql", "SELECT 1;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ(set->steps().size(), 2u);
  EXPECT_EQ(set->steps()[0].version, 1);
  EXPECT_EQ(set->steps()[1].version, 10);
}

TEST_F(SqlFileLoaderTest, DirectivesSetTheStep) {
  write("V1__create.sql", kCreate);
  write("V2__fix.sql",
        "-- safemig:no-transaction\n"
        "-- Explains the step.\n"
        "--safemig:touches audit, \"Order Items\"\n"
        "-- safemig:rows-change\n"
        "-- safemig:verify SELECT count(*) = 0 FROM t WHERE v IS NULL;\n"
        "\n"
        "-- safemig:verify SELECT 1\n"
        "BEGIN;\nDELETE FROM t WHERE v IS NULL;\nCOMMIT;\nVACUUM;\n");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  const MigrationStep& fix = *set->find(2);
  EXPECT_FALSE(fix.transactional);
  EXPECT_EQ(fix.row_policy, RowPolicy::declared_change);
  EXPECT_THAT(fix.touched_tables, ElementsAre("audit", "Order Items", "t"));
  EXPECT_THAT(fix.verify_sql,
              ElementsAre("SELECT count(*) = 0 FROM t WHERE v IS NULL", "SELECT 1"));
}

TEST_F(SqlFileLoaderTest, UnknownDirectiveIsRejected) {
  write("V1__a.sql", "-- safemig:no-transation\nSELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1__a.sql"), HasSubstr("line 1"),
                                    HasSubstr("unknown directive '-- safemig:no-transation'"))));
}

TEST_F(SqlFileLoaderTest, MalformedDirectivesAreRejected) {
  write("V1__a.sql", "-- safemig:no-transaction please\nSELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("takes no arguments")));
  write("V1__a.sql", "-- safemig:touches\nSELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              HasSubstr("expected table names separated by commas")));
  write("V1__a.sql", "-- safemig:touches a b\nSELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              HasSubstr("expected table names separated by commas")));
  write("V1__a.sql", "-- safemig:verify ;\nSELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("verify needs a query")));
}

TEST_F(SqlFileLoaderTest, DirectiveAfterTheFirstStatementIsRejected) {
  write("V1__a.sql", "SELECT 1;\n-- safemig:no-transaction\nVACUUM;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, AllOf(HasSubstr("V1__a.sql: line 2"),
                                                              HasSubstr("at the top of the"))));
}

TEST_F(SqlFileLoaderTest, DirectivesInUndoFileSetTheDownDirection) {
  write("V1__a.sql", "CREATE TABLE t(id INTEGER);\nCREATE TABLE u(id INTEGER);");
  write("U1__a.sql",
        "-- safemig:rows-change\n-- safemig:touches audit\nDELETE FROM t;\nDROP TABLE u;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  const MigrationStep& step = set->steps()[0];
  EXPECT_EQ(step.row_policy, RowPolicy::preserve);
  EXPECT_THAT(step.touched_tables, IsEmpty());
  EXPECT_EQ(step.down_row_policy, RowPolicy::declared_change);
  EXPECT_THAT(step.down_touched_tables, ElementsAre("audit", "t", "u"));
  EXPECT_TRUE(step.rebuilds_tables);
  EXPECT_TRUE(step.transactional);

  write("U1__a.sql", "-- safemig:verify SELECT 1\nDROP TABLE t;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("U1__a.sql: line 1"), HasSubstr("up script"))));
  write("U1__a.sql", "-- safemig:no-transaction\nDROP TABLE t;");
  ASSERT_THAT(load(), IsOk());
  EXPECT_FALSE(load()->steps()[0].transactional);
}

TEST_F(SqlFileLoaderTest, TransactionStatementsNeedNoTransaction) {
  write("V1__a.sql", "CREATE TABLE t(id);\nCOMMIT;\n");
  EXPECT_THAT(load(),
              ErrorIs(ErrorCode::invalid_input, AllOf(HasSubstr("V1__a.sql: line 2: COMMIT"),
                                                      HasSubstr("-- safemig:no-transaction"))));
  write("V1__a.sql", "SAVEPOINT s; CREATE TABLE t(id); ROLLBACK TO s; RELEASE s;");
  EXPECT_THAT(load(), IsOk());
  write("U1__a.sql", "BEGIN; DROP TABLE t;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("U1__a.sql: line 1: BEGIN")));
}

TEST_F(SqlFileLoaderTest, InfersTouchedTablesFromStatements) {
  write("V1__a.sql",
        "CREATE TABLE fresh(id INTEGER REFERENCES p(id) ON UPDATE CASCADE);\n"
        "INSERT INTO fresh SELECT id FROM source;\n"
        "INSERT OR REPLACE INTO \"Quoted\" VALUES (1);\n"
        "REPLACE INTO main.[bracketed] VALUES (1);\n"
        "UPDATE OR IGNORE `back` SET v = 1;\n"
        "DELETE FROM gone WHERE 1;\n"
        "DROP TABLE IF EXISTS old;\n"
        "ALTER TABLE altered ADD COLUMN x;\n"
        "update QUOTED set v = 2;\n"
        "INSERT INTO u(id) VALUES (1) ON CONFLICT(id) DO UPDATE SET v = 3;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM trigger_only; END;\n");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_THAT(set->steps()[0].touched_tables,
              ElementsAre("Quoted", "bracketed", "back", "gone", "old", "altered", "u"));
  EXPECT_TRUE(set->steps()[0].rebuilds_tables);
}

TEST_F(SqlFileLoaderTest, DropInUndoMarksRebuild) {
  write("V1__a.sql", "ALTER TABLE t ADD COLUMN x;");
  write("U1__a.sql",
        "CREATE TABLE t2(id);\nINSERT INTO t2 SELECT id FROM t;\nDROP TABLE t;\n"
        "ALTER TABLE t2 RENAME TO t;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE(set->steps()[0].rebuilds_tables);
  EXPECT_THAT(set->steps()[0].touched_tables, ElementsAre("t"));
}

TEST_F(SqlFileLoaderTest, MissingDirectoryIsNotFound) {
  EXPECT_THAT(load_sql_directory(dir_.file("nope")),
              ErrorIs(ErrorCode::not_found, AllOf(HasSubstr("nope"), HasSubstr("does not exist"))));
}

TEST_F(SqlFileLoaderTest, FileInsteadOfDirectoryIsInvalid) {
  write("V1__a.sql", "SELECT 1;");
  EXPECT_THAT(load_sql_directory(dir_.file("V1__a.sql")),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("is not a directory")));
}

TEST_F(SqlFileLoaderTest, UnreadableDirectoryIsAnIoError) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any directory";
  make_dir("locked");
  write("locked/V1__a.sql", "SELECT 1;");
  std::filesystem::permissions(dir_.file("locked"), std::filesystem::perms::none);
  EXPECT_THAT(load_sql_directory(dir_.file("locked")),
              ErrorIs(ErrorCode::io, HasSubstr("cannot read the migration directory")));
  std::filesystem::permissions(dir_.file("locked"), std::filesystem::perms::owner_all);
}

TEST_F(SqlFileLoaderTest, UnreadableFileIsAnIoError) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  write("V1__a.sql", "SELECT 1;");
  std::filesystem::permissions(dir_.file("V1__a.sql"), std::filesystem::perms::none);
  EXPECT_THAT(load(), ErrorIs(ErrorCode::io, AllOf(HasSubstr("V1__a.sql"),
                                                   HasSubstr("cannot read the migration file"))));
}

TEST_F(SqlFileLoaderTest, DanglingLinkIsNotFound) {
  std::filesystem::create_symlink(dir_.file("missing.sql"), dir_.file("V1__a.sql"));
  EXPECT_THAT(load(), ErrorIs(ErrorCode::not_found,
                              AllOf(HasSubstr("V1__a.sql"), HasSubstr("not a regular file"))));
}

TEST_F(SqlFileLoaderTest, SingleUnderscoreIsMalformed) {
  write("V1_create.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1_create.sql"), HasSubstr("two underscores"),
                                    HasSubstr("expected V<n>__<name>.sql"))));
}

TEST_F(SqlFileLoaderTest, NonNumericVersionIsMalformed) {
  write("Vx__a.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("Vx__a.sql"), HasSubstr("not a migration file name"),
                                    HasSubstr("V<n>__<name>.sql"))));
  std::filesystem::remove(dir_.file("Vx__a.sql"));
  write("V1a__a.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1a__a.sql"), HasSubstr("version '1a' is not a"))));
}

TEST_F(SqlFileLoaderTest, DottedFlywayVersionsMapOnlyWhenFaithful) {
  write("V1.0__a.sql", "SELECT 1;");
  write("V2_0_0__b.sql", "SELECT 2;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->steps()[0].label(), "V1 a");
  EXPECT_EQ(set->steps()[1].label(), "V2 b");
  write("V1.1__c.sql", "SELECT 3;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1.1__c.sql"), HasSubstr("dotted version 1.1"),
                                    HasSubstr("renumber"))));
}

TEST_F(SqlFileLoaderTest, EmptyNameIsMalformed) {
  write("V1__.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1__.sql"), HasSubstr("name after '__' is empty"))));
}

TEST_F(SqlFileLoaderTest, BadCharactersInNameAreMalformed) {
  write("V1__add users.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1__add users.sql"), HasSubstr("letters, digits"))));
}

TEST_F(SqlFileLoaderTest, VersionZeroAndTimestampsAreVersions) {
  write("V0__a.sql", "SELECT 1;");
  write("V20240131120000__b.sql", "SELECT 1;");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->layout(), "Flyway");
  EXPECT_EQ(set->steps()[0].version, 0);
  EXPECT_EQ(set->steps()[1].version, 20240131120000);
  write("V9223372036854775808__c.sql", "SELECT 1;");
  EXPECT_THAT(load(),
              ErrorIs(ErrorCode::invalid_input, AllOf(HasSubstr("V9223372036854775808__c.sql"),
                                                      HasSubstr("does not fit a 64-bit version"))));
}

TEST_F(SqlFileLoaderTest, OtherSqlFileNamesAreRejected) {
  write("schema.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("schema.sql"), HasSubstr("not a migration file name"),
                                    HasSubstr("V<n>__<name>.sql"))));
}

TEST_F(SqlFileLoaderTest, DuplicateVersionsAreRejected) {
  write("V1__a.sql", "SELECT 1;");
  write("V01__b.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V01__b.sql"), HasSubstr("V1__a.sql"),
                                    HasSubstr("same version 1"))));
}

TEST_F(SqlFileLoaderTest, DuplicateUndoIsRejected) {
  write("V1__a.sql", "SELECT 1;");
  write("U1__a.sql", "SELECT 1;");
  write("U001__a.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("same version 1")));
}

TEST_F(SqlFileLoaderTest, UndoWithoutMigrationIsRejected) {
  write("V1__a.sql", "SELECT 1;");
  write("U2__b.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("U2__b.sql"), HasSubstr("no V2__<name>.sql"))));
}

TEST_F(SqlFileLoaderTest, EmptyAndCommentOnlyFilesAreNoOpSteps) {
  write("V1__a.sql", "");
  write("V2__b.sql", "-- only comments\n/* and this; */\n");
  write("U2__b.sql", "\n");
  auto set = load();
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ(set->steps().size(), 2u);
  EXPECT_EQ(std::get<std::string>(set->steps()[0].up), "");
  EXPECT_EQ(std::get<std::string>(set->steps()[1].up), "-- only comments\n/* and this; */\n");
  EXPECT_EQ(std::get<std::string>(*set->steps()[1].down), "\n");
  EXPECT_THAT(set->steps()[1].touched_tables, IsEmpty());
}

TEST_F(SqlFileLoaderTest, UnterminatedStatementNamesFileAndLine) {
  write("V1__a.sql", "SELECT 1;\nINSERT INTO t VALUES ('oops);\n");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1__a.sql"), HasSubstr("line 2"))));
  write("V1__a.sql", "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("V1__a.sql"), HasSubstr("CREATE TRIGGER"))));
}

TEST_F(SqlFileLoaderTest, NulBytesAreRejected) {
  write("V1__a.sql", std::string("SELECT 1;\0", 10));
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("NUL bytes")));
}

TEST_F(SqlFileLoaderTest, LoadsGolangMigrateLayout) {
  write("1_create.up.sql", kCreate);
  write("1_create.down.sql", "DROP TABLE t;");
  write("2_add.up.sql", kAdd);
  auto set = load();
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ(set->steps().size(), 2u);
  EXPECT_EQ(set->steps()[0].label(), "V1 create");
  ASSERT_TRUE(set->steps()[0].down.has_value());
  EXPECT_EQ(std::get<std::string>(*set->steps()[0].down), "DROP TABLE t;");
  EXPECT_EQ(set->steps()[1].label(), "V2 add");
  EXPECT_FALSE(set->steps()[1].down.has_value());
}

TEST_F(SqlFileLoaderTest, GolangMigrateErrors) {
  write("1_create.up.sql", kCreate);
  write("2_drop.down.sql", "SELECT 1;");
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("2_drop.down.sql"), HasSubstr("2_<name>.up.sql"))));
  std::filesystem::remove(dir_.file("2_drop.down.sql"));
  write("01_again.up.sql", kCreate);
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input, HasSubstr("same version 1")));
}

TEST_F(SqlFileLoaderTest, MixedLayoutsAreRejected) {
  write("V1__create.sql", kCreate);
  write("2_add.up.sql", kAdd);
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("mixes"), HasSubstr("V1__create.sql"),
                                    HasSubstr("2_add.up.sql"), HasSubstr("one layout"))));
  std::filesystem::remove(dir_.file("2_add.up.sql"));
  make_dir("20240101_x");
  write("20240101_x/up.sql", kAdd);
  EXPECT_THAT(load(), ErrorIs(ErrorCode::invalid_input,
                              AllOf(HasSubstr("mixes the Flyway layout (V1__create.sql) and the "
                                              "Diesel layout (20240101_x/)"))));
}

TEST_F(SqlFileLoaderTest, NewMigrationFileStartsAtOne) {
  auto path = new_migration_file(dir_.path().string(), "create_users");
  ASSERT_THAT(path, IsOkWith(EndsWith("/V1__create_users.sql")));
  EXPECT_THAT(read_file(*path), HasSubstr("V1__create_users.sql"));
}

TEST_F(SqlFileLoaderTest, NewMigrationFileFollowsTheHighestVersion) {
  write_acceptance_layout();
  write("V7__later.sql", "SELECT 1;");
  EXPECT_THAT(new_migration_file(dir_.path().string(), "next"),
              IsOkWith(EndsWith("/V8__next.sql")));
  EXPECT_THAT(new_migration_file(dir_.path().string(), "after"),
              IsOkWith(EndsWith("/V9__after.sql")));
}

TEST_F(SqlFileLoaderTest, NewMigrationFileKeepsZeroPadding) {
  write("V001__a.sql", "SELECT 1;");
  write("V009__b.sql", "SELECT 1;");
  EXPECT_THAT(new_migration_file(dir_.path().string(), "c"), IsOkWith(EndsWith("/V010__c.sql")));
}

TEST_F(SqlFileLoaderTest, NewFileIsANoOpStepUntilWritten) {
  auto path = new_migration_file(dir_.path().string(), "todo");
  ASSERT_THAT(path, IsOk());
  EXPECT_THAT(load(), IsOk());
  write_file(*path, read_file(*path) + "CREATE TABLE x(id);\n");
  EXPECT_THAT(load(), IsOk());
}

TEST_F(SqlFileLoaderTest, NewMigrationFileErrors) {
  EXPECT_THAT(new_migration_file(dir_.path().string(), ""),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("malformed migration name ''")));
  EXPECT_THAT(new_migration_file(dir_.path().string(), "a b"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("malformed migration name 'a b'")));
  EXPECT_THAT(new_migration_file(dir_.file("missing"), "a"),
              ErrorIs(ErrorCode::not_found, HasSubstr("does not exist")));
  write("x.sql", kCreate);
  EXPECT_THAT(new_migration_file(dir_.path().string(), "a"),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("cannot add a migration"), HasSubstr("x.sql"))));
  std::filesystem::remove(dir_.file("x.sql"));
  write("V9223372036854775807__last.sql", "SELECT 1;");
  EXPECT_THAT(new_migration_file(dir_.path().string(), "a"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("largest possible")));
}

TEST_F(SqlFileLoaderTest, NewMigrationFileNeverOverwrites) {
  // A directory named like the next file makes the exclusive create fail without touching it.
  make_dir("V1__taken.sql");
  EXPECT_THAT(new_migration_file(dir_.path().string(), "taken"),
              ErrorIs(ErrorCode::io, HasSubstr("already exists")));
  EXPECT_TRUE(std::filesystem::is_directory(dir_.file("V1__taken.sql")));
}

}  // namespace
}  // namespace safemig::migrate
