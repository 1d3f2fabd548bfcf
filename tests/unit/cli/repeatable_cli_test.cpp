// Repeatable steps (Flyway's R__ files) through run_cli: migrate and its dry run, status and
// history, in text and JSON.
#include <gmock/gmock.h>

#include <boost/json/parse.hpp>
#include <sstream>
#include <string>

#include "cli_fixture.h"

namespace safemig::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RepeatableCliTest : public CliTest {
 protected:
  void write_view(const std::string& columns) {
    write_migration(
        "R__refresh_views.sql",
        "DROP VIEW IF EXISTS t_view;\nCREATE VIEW t_view AS SELECT " + columns + " FROM t;\n");
  }
};

TEST_F(RepeatableCliTest, MigrateRunsThemLastAndDryRunListsThem) {
  write_two_steps();
  write_view("id");
  CliRun dry = run_sql({"migrate", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry;
  EXPECT_THAT(dry.out, HasSubstr("2 steps and 1 repeatable step"));
  EXPECT_THAT(dry.out, HasSubstr("-- R refresh_views (up; in a transaction"));
  CliRun r = run_sql({"migrate"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_LT(r.out.find("applied V2 add"), r.out.find("applied R refresh_views"));
  EXPECT_THAT(r.out, HasSubstr("at version 2"));
  CliRun again = run_sql({"migrate"});
  ASSERT_EQ(again.code, 0) << again;
  EXPECT_THAT(again.out, HasSubstr("nothing to apply"));
  EXPECT_THAT(run_sql({"migrate", "--dry-run"}).out, Not(HasSubstr("repeatable")));
}

TEST_F(RepeatableCliTest, StatusListsNewAndChangedRepeatables) {
  write_two_steps();
  write_view("id");
  exec("PRAGMA user_version = 0");  // status reads an existing database only.
  CliRun fresh = run_sql({"status"});
  ASSERT_EQ(fresh.code, 0) << fresh;
  EXPECT_THAT(fresh.out, HasSubstr("2 steps pending, then 1 repeatable"));
  EXPECT_THAT(fresh.out, HasSubstr("\nrepeatables pending: R refresh_views (new)\n"));
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun done = run_sql({"status"});
  EXPECT_THAT(done.out, HasSubstr("up to date"));
  EXPECT_THAT(done.out, Not(HasSubstr("repeatables pending")));
  write_view("id, v");
  CliRun changed = run_sql({"status"});
  EXPECT_THAT(changed.out, HasSubstr("at version 2 of 2, 1 repeatable step pending"));
  EXPECT_THAT(changed.out, HasSubstr("repeatables pending: R refresh_views (changed)"));
  CliRun json = run_sql({"status", "--json"});
  ASSERT_EQ(json.code, 0) << json;
  const boost::json::value v = boost::json::parse(json.out);
  EXPECT_FALSE(v.at("up_to_date").as_bool());
  const auto& pending = v.at("pending_repeatables").as_array();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].at("name").as_string(), "refresh_views");
  EXPECT_EQ(pending[0].at("state").as_string(), "changed");
  EXPECT_EQ(pending[0].at("checksum").as_string().size(), 64u);
}

TEST_F(RepeatableCliTest, HistoryShowsEachRunWithRForItsVersion) {
  write_two_steps();
  write_view("id");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_view("id, v");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"history"});
  ASSERT_EQ(r.code, 0) << r;
  std::istringstream lines(r.out);
  int repeatable_rows = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 100u) << line;
    if (line.starts_with("R ") && line.find("refresh_views") != std::string::npos) {
      ++repeatable_rows;
    }
  }
  EXPECT_EQ(repeatable_rows, 2) << r;
  EXPECT_LT(r.out.find("add"), r.out.find("refresh_views"));
  CliRun json = run_sql({"history", "--json"});
  ASSERT_EQ(json.code, 0) << json;
  const boost::json::value parsed = boost::json::parse(json.out);
  const auto& rows = parsed.as_array();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_FALSE(rows[0].at("repeatable").as_bool());
  EXPECT_EQ(rows[0].at("version").as_int64(), 1);
  EXPECT_TRUE(rows[3].at("repeatable").as_bool());
  EXPECT_TRUE(rows[3].at("version").is_null());
  EXPECT_EQ(rows[3].at("name").as_string(), "refresh_views");
  EXPECT_NE(rows[2].at("checksum"), rows[3].at("checksum"));
}

TEST_F(RepeatableCliTest, AFailingRepeatableExitsOneAndNamesIt) {
  write_two_steps();
  write_migration("R__broken.sql", "SELECT * FROM missing;\n");
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 1) << r;  // ErrorCode::invalid_input from SQLite, rolled back.
  EXPECT_THAT(r.err, HasSubstr("R broken"));
  EXPECT_THAT(r.err, HasSubstr("database is at version 2"));
}

TEST_F(RepeatableCliTest, ADirectoryOfOnlyRepeatablesMigrates) {
  write_migration("R__seed.sql", "CREATE TABLE IF NOT EXISTS s(id INTEGER);\n");
  CliRun r = run_sql({"migrate"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("applied R seed"));
  EXPECT_EQ(query("SELECT count(*) FROM _safemig_repeatables"), "1");
}

}  // namespace
}  // namespace safemig::cli::testing
