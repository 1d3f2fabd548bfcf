// The reproduction of lost rows on the way down, through the command line: a down file that drops
// a table with rows exits 1 and changes nothing unless --allow-data-loss, and the rows then stay
// in a backup table that `backups` lists and only `prune --table` removes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli_fixture.h"

namespace safemig::cli::testing {
namespace {

using ::testing::HasSubstr;

class DataLossCliTest : public CliTest {
 protected:
  // V1 creates a, V2 creates b whose down drops it; b gets 100 rows.
  void at_version_2_with_rows() {
    write_migration("V1__create_a.sql", "CREATE TABLE a(id INTEGER PRIMARY KEY);\n");
    write_migration("V2__create_b.sql", "CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT);\n");
    write_migration("U2__create_b.sql", "DROP TABLE b;\n");
    ASSERT_EQ(run_sql({"migrate"}).code, 0);
    exec(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
        "INSERT INTO b SELECT x, 'row ' || x FROM c");
  }

  // The backup tables `backups --json` lists.
  boost::json::array listed_tables() {
    CliRun json = run_sql({"backups", "--json"});
    EXPECT_EQ(json.code, 0) << json;
    return boost::json::parse(json.out).at("tables").as_array();
  }
};

TEST_F(DataLossCliTest, DowngradeThatDropsRowsExitsOneAndChangesNothing) {
  at_version_2_with_rows();
  CliRun r = run_sql({"downgrade", "--to", "1"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("table b: 100 rows"));
  EXPECT_THAT(r.err, HasSubstr("--allow-data-loss"));
  EXPECT_EQ(query("SELECT count(*) FROM b"), "100");
  EXPECT_TRUE(listed_tables().empty());
}

TEST_F(DataLossCliTest, AllowedDowngradeKeepsTheRowsInAListedBackupTable) {
  at_version_2_with_rows();
  CliRun r = run_sql({"downgrade", "--to", "1", "--allow-data-loss"});
  ASSERT_EQ(r.code, 0) << r;
  const boost::json::array tables = listed_tables();
  ASSERT_EQ(tables.size(), 1u);
  const boost::json::value& kept = tables.at(0);
  EXPECT_EQ(kept.at("table").as_string(), "b");
  EXPECT_EQ(kept.at("row_count").as_int64(), 100);
  EXPECT_EQ(kept.at("step").as_string(), "V2 create_b");
  EXPECT_EQ(kept.at("direction").as_string(), "down");
  EXPECT_TRUE(kept.at("holds_removed_data").as_bool());
  const std::string name(kept.at("backup_table").as_string());
  EXPECT_EQ(query("SELECT count(*) FROM \"" + name + "\""), "100");

  CliRun text = run_sql({"backups"});
  EXPECT_THAT(text.out, HasSubstr(name));
  EXPECT_THAT(text.out, HasSubstr("kept: holds removed data"));

  // Retention, however tight, keeps it; naming it removes it.
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  ASSERT_EQ(run_sql({"prune", "--keep", "1"}).code, 0);
  EXPECT_EQ(listed_tables().size(), 1u);
  CliRun dropped = run_sql({"prune", "--table", name});
  ASSERT_EQ(dropped.code, 0) << dropped;
  EXPECT_THAT(dropped.out, HasSubstr("dropped backup table " + name + " (100 rows of b)"));
  EXPECT_TRUE(listed_tables().empty());
}

TEST_F(DataLossCliTest, PruneWithoutKeepOrTableIsAUsageError) {
  at_version_2_with_rows();
  CliRun r = run_sql({"prune"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("prune needs --keep N, --table NAME, or both"));
}

TEST_F(DataLossCliTest, PruneOfATableSafemigDidNotMakeFailsAndDropsNothing) {
  at_version_2_with_rows();
  CliRun r = run_sql({"prune", "--table", "b"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("'b' is not a backup table safemig made"));
  EXPECT_EQ(query("SELECT count(*) FROM b"), "100");
}

TEST_F(DataLossCliTest, PruneOfATableOnAMissingDatabaseIsNotFound) {
  CliRun r = run_sql({"prune", "--table", "x"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace safemig::cli::testing
