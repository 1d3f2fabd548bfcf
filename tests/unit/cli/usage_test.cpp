// Usage errors of the command line: each exits 2 with a message saying what to do, and creates
// nothing.
#include <gmock/gmock.h>

#include <filesystem>

#include "cli_fixture.h"

namespace safemig::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class UsageTest : public CliTest {};

TEST_F(UsageTest, NoCommandIsAUsageError) {
  CliRun r = run({"--db", db});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, StartsWith("safemig: error: "));
  EXPECT_THAT(r.err, HasSubstr("hint: run 'safemig --help'"));
}

TEST_F(UsageTest, UnknownCommandIsAUsageError) {
  CliRun r = run_sql({"frobnicate"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("frobnicate"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(UsageTest, UnknownFlagIsAUsageError) {
  CliRun r = run_sql({"migrate", "--fast"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--fast"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(UsageTest, HelpExitsZero) {
  CliRun r = run({"--help"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("migrate"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes"));
}

TEST_F(UsageTest, MissingDatabaseIsAUsageError) {
  write_two_steps();
  CliRun r = run({"--dir", dir, "status"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("no database given"));
  EXPECT_THAT(r.err, HasSubstr("DATABASE_PATH"));
}

TEST_F(UsageTest, DatabasePathComesFromTheEnvironment) {
  write_two_steps();
  env_vars["DATABASE_PATH"] = db;
  CliRun r = run({"--dir", dir, "migrate"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_TRUE(std::filesystem::exists(db));
}

TEST_F(UsageTest, NonNumericTargetIsAUsageError) {
  write_two_steps();
  CliRun r = run_sql({"migrate", "--to", "two"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(UsageTest, TargetThatIsNotAVersionIsAUsageErrorAndCreatesNothing) {
  write_two_steps();
  CliRun r = run_sql({"migrate", "--to", "7"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--to 7 is not a version of the migrations"));
  EXPECT_THAT(r.err, HasSubstr("hint: the versions are: 1, 2"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(UsageTest, DowngradeTargetThatIsNotAVersionIsAUsageError) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"downgrade", "--to", "7"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--to 7 is not 0 or a version of the migrations"));
}

TEST_F(UsageTest, TargetBelowTheCurrentVersionIsAUsageError) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"migrate", "--to", "1"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("downgrade"));
}

TEST_F(UsageTest, DowngradeNeedsTo) {
  CliRun r = run_sql({"downgrade"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--to"));
}

TEST_F(UsageTest, MissingMigrationsDirectoryIsAUsageError) {
  CliRun r = run({"--db", db, "--dir", tmp.file("no-such-dir"), "migrate"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("no-such-dir"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(UsageTest, MalformedMigrationFileNameIsAUsageError) {
  write_migration("V1_create.sql", "CREATE TABLE t(id INTEGER);\n");
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("V1_create.sql"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(UsageTest, DuplicateMigrationVersionIsAUsageError) {
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER);\n");
  write_migration("V1__other.sql", "CREATE TABLE u(id INTEGER);\n");
  CliRun r = run_sql({"status"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("V1"));
}

TEST_F(UsageTest, NewNeedsDir) {
  CliRun r = run({"new", "add_users"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--dir"));
}

TEST_F(UsageTest, PruneKeepMustBePositive) {
  CliRun r = run_sql({"prune", "--keep", "0"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--keep 0 must be at least 1"));
}

TEST_F(UsageTest, NoMigrationsWithoutDefaultNeedsDir) {
  env.default_migrations = nullptr;
  CliRun r = run({"--db", db, "migrate"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--dir"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

}  // namespace
}  // namespace safemig::cli::testing
