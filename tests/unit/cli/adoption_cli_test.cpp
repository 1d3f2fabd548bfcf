// Adopting databases through the command line: status reads another tool's history without
// writing; baseline records the steps of a database whose schema they produce, and refuses
// otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli_fixture.h"
#include "support/database_snapshot.h"

namespace safemig::cli::testing {
namespace {

using ::testing::HasSubstr;

class AdoptionCliTest : public CliTest {
 protected:
  void write_golang_steps() {
    write_migration("1_users.up.sql", "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);\n");
    write_migration("2_email.up.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
  }
};

TEST_F(AdoptionCliTest, StatusReadsAnotherToolsHistoryAndChangesNothing) {
  write_golang_steps();
  exec(
      "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE schema_migrations (version uint64,dirty bool);"
      "CREATE UNIQUE INDEX version_unique ON schema_migrations (version);"
      "INSERT INTO schema_migrations VALUES (1, 0);");
  const std::string before = ::safemig::testing::database_snapshot(db);
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\nversion: 1\n"));
  EXPECT_THAT(r.out, HasSubstr("pending: V2 email"));
  EXPECT_THAT(r.out, HasSubstr("history: golang-migrate"));
  EXPECT_THAT(r.out, HasSubstr("the next migrate takes it over"));
  CliRun json = run_sql({"status", "--json"});
  const boost::json::value v = boost::json::parse(json.out);
  EXPECT_EQ(v.at("layout").as_string(), "golang-migrate");
  EXPECT_TRUE(v.at("foreign_dirty").is_null());
  EXPECT_EQ(::safemig::testing::database_snapshot(db), before);
}

TEST_F(AdoptionCliTest, StatusReportsADirtyHistory) {
  write_golang_steps();
  exec(
      "CREATE TABLE schema_migrations (version uint64,dirty bool);"
      "CREATE UNIQUE INDEX version_unique ON schema_migrations (version);"
      "INSERT INTO schema_migrations VALUES (1, 1);");
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\ndirty: golang-migrate recorded a failed run of version 1"));
  CliRun migrate = run_sql({"migrate"});
  EXPECT_EQ(migrate.code, 3) << migrate;
}

TEST_F(AdoptionCliTest, BaselineRecordsTheStepsOfAMatchingSchema) {
  write_golang_steps();
  exec(
      "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users(name) "
      "VALUES ('ada');");
  CliRun r = run_sql({"baseline", "--version", "1"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("recorded V1 users as applied"));
  CliRun history = run_sql({"history"});
  EXPECT_THAT(history.out, HasSubstr("backup: none (baseline)"));
  CliRun migrate = run_sql({"migrate"});
  ASSERT_EQ(migrate.code, 0) << migrate;
  EXPECT_THAT(migrate.out, HasSubstr("applied V2 email"));
  EXPECT_EQ(query("SELECT count(*) FROM users"), "1");
}

TEST_F(AdoptionCliTest, BaselineOfADifferentSchemaExitsOneAndRecordsNothing) {
  write_golang_steps();
  exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);");
  CliRun r = run_sql({"baseline", "--version", "2"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("email"));
  EXPECT_THAT(r.err, HasSubstr("nothing was recorded"));
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_schema WHERE name = '_safemig_history'"), "0");
}

TEST_F(AdoptionCliTest, BaselineTwiceNeedsAPerson) {
  write_golang_steps();
  exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);");
  ASSERT_EQ(run_sql({"baseline", "--version", "1"}).code, 0);
  CliRun r = run_sql({"baseline", "--version", "1"});
  EXPECT_EQ(r.code, 3) << r;
}

TEST_F(AdoptionCliTest, BaselineAtAnUnknownVersionIsAUsageError) {
  write_golang_steps();
  exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);");
  CliRun r = run_sql({"baseline", "--version", "7"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--version 7 is not a version of the migrations"));
}

}  // namespace
}  // namespace safemig::cli::testing
