// Tests of backup tables: creation with row counts, listing, retries, atomicity, pruning.
#include "safemig/backup/backup_tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/matchers.h"
#include "support/temp_dir.h"
#include "test_databases.h"

namespace safemig::backup {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using namespace testing;  // safemig::backup::testing helpers.

class BackupTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = open_writer(dir_.file("t.db"));
    ASSERT_NE(conn_, nullptr);
    add_items(*conn_, 10);
    ASSERT_THAT(conn_->execute_script("CREATE TABLE \"order lines\" (id INTEGER PRIMARY KEY, "
                                      "qty INTEGER);"
                                      "INSERT INTO \"order lines\" (qty) VALUES (1), (2), (3);"),
                IsOk());
  }

  std::vector<std::string> backup_table_names() {
    auto tables = list_backup_tables(*conn_);
    EXPECT_THAT(tables, IsOk());
    std::vector<std::string> out;
    if (tables) {
      for (const auto& t : *tables) out.push_back(t.backup_table);
    }
    return out;
  }

  Result<std::int64_t> count(const std::string& table) {
    return conn_->query_int("SELECT count(*) FROM " + db::quote_identifier(table));
  }

  Result<std::int64_t> tables_named(const std::string& table) {
    return conn_->query_int("SELECT count(*) FROM sqlite_master WHERE name = ?",
                            {db::Value(table)});
  }

  TempDir dir_;
  std::unique_ptr<db::Connection> conn_;
};

TEST_F(BackupTablesTest, CreatesCopiesWithTheirRowCounts) {
  auto items = create_backup_table(*conn_, 1, "items");
  ASSERT_THAT(items, IsOk());
  EXPECT_EQ(items->version, 1);
  EXPECT_EQ(items->table, "items");
  EXPECT_EQ(items->backup_table, "_safemig_backup_v1_items");
  EXPECT_EQ(items->row_count, 10);
  EXPECT_THAT(items->created_at,
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
  auto lines = create_backup_table(*conn_, 1, "order lines");
  ASSERT_THAT(lines, IsOk());
  EXPECT_EQ(lines->row_count, 3);
  EXPECT_THAT(count("_safemig_backup_v1_items"), IsOkAndHolds(10));
  EXPECT_THAT(count("_safemig_backup_v1_order lines"), IsOkAndHolds(3));
  EXPECT_THAT(conn_->query_int("SELECT count(*) FROM (SELECT * FROM items EXCEPT "
                               "SELECT * FROM _safemig_backup_v1_items)"),
              IsOkAndHolds(0));
  EXPECT_THAT(backup_table_names(),
              ElementsAre("_safemig_backup_v1_items", "_safemig_backup_v1_order lines"));
}

TEST_F(BackupTablesTest, MissingTableIsNotFound) {
  EXPECT_THAT(create_backup_table(*conn_, 1, "nope"),
              ErrorIs(ErrorCode::not_found, HasSubstr("cannot back up table 'nope'")));
  EXPECT_THAT(backup_table_names(), IsEmpty());
}

TEST_F(BackupTablesTest, ListWithoutRegistryIsEmpty) {
  EXPECT_THAT(backup_table_names(), IsEmpty());
  EXPECT_THAT(tables_named("_safemig_backup_tables"), IsOkAndHolds(0));
}

TEST_F(BackupTablesTest, RetryOfTheSameVersionReplacesTheBackup) {
  ASSERT_THAT(create_backup_table(*conn_, 2, "items"), IsOk());
  add_items(*conn_, 5);
  auto again = create_backup_table(*conn_, 2, "items");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->row_count, 15);
  EXPECT_THAT(backup_table_names(), ElementsAre("_safemig_backup_v2_items"));
  EXPECT_THAT(count("_safemig_backup_v2_items"), IsOkAndHolds(15));
}

TEST_F(BackupTablesTest, RollsBackWithTheCallersTransaction) {
  ASSERT_THAT(conn_->begin(db::TransactionMode::immediate), IsOk());
  ASSERT_THAT(create_backup_table(*conn_, 3, "items"), IsOk());
  ASSERT_THAT(conn_->rollback(), IsOk());
  EXPECT_THAT(tables_named("_safemig_backup_v3_items"), IsOkAndHolds(0));
  EXPECT_THAT(backup_table_names(), IsEmpty());
}

TEST_F(BackupTablesTest, PruneKeepsTheNewestKVersions) {
  for (int version : {1, 2, 3, 4}) {
    ASSERT_THAT(create_backup_table(*conn_, version, "items"), IsOk());
  }
  ASSERT_THAT(create_backup_table(*conn_, 2, "order lines"), IsOk());
  auto dropped = prune_backup_tables(*conn_, 2);
  ASSERT_THAT(dropped, IsOk());
  EXPECT_THAT(*dropped, ElementsAre("_safemig_backup_v2_items", "_safemig_backup_v2_order lines",
                                    "_safemig_backup_v1_items"));
  EXPECT_THAT(backup_table_names(),
              ElementsAre("_safemig_backup_v4_items", "_safemig_backup_v3_items"));
  for (const auto& name : *dropped) EXPECT_THAT(tables_named(name), IsOkAndHolds(0)) << name;
  EXPECT_THAT(count("_safemig_backup_v3_items"), IsOkAndHolds(10));
  auto nothing = prune_backup_tables(*conn_, 2);
  ASSERT_THAT(nothing, IsOk());
  EXPECT_THAT(*nothing, IsEmpty());
  EXPECT_THAT(prune_backup_tables(*conn_, 0), IsOk());
  EXPECT_THAT(backup_table_names(), IsEmpty());
}

TEST_F(BackupTablesTest, NegativeKeepIsInvalidInput) {
  EXPECT_THAT(prune_backup_tables(*conn_, -1),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("must be >= 0")));
}

}  // namespace
}  // namespace safemig::backup
