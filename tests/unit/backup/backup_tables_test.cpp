// Tests of backup tables: creation with row counts, unique names per run, listing, atomicity,
// retention that keeps removed data, dropping by name, registries of earlier releases.
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

  static BackupTableOrigin origin(std::int64_t version, std::string run) {
    return BackupTableOrigin{version, "V" + std::to_string(version + 1) + " step", "up",
                             std::move(run)};
  }

  TempDir dir_;
  std::unique_ptr<db::Connection> conn_;
};

TEST_F(BackupTablesTest, CreatesCopiesWithTheirRowCounts) {
  auto items = create_backup_table(*conn_, origin(1, "R1"), "items");
  ASSERT_THAT(items, IsOk());
  EXPECT_EQ(items->version, 1);
  EXPECT_EQ(items->table, "items");
  EXPECT_EQ(items->backup_table, "_safemig_backup_v1_items_R1");
  EXPECT_EQ(items->row_count, 10);
  EXPECT_EQ(items->step, "V2 step");
  EXPECT_EQ(items->direction, "up");
  EXPECT_EQ(items->run, "R1");
  EXPECT_FALSE(items->holds_removed_data);
  EXPECT_THAT(items->created_at,
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
  auto lines = create_backup_table(*conn_, origin(1, "R1"), "order lines");
  ASSERT_THAT(lines, IsOk());
  EXPECT_EQ(lines->row_count, 3);
  EXPECT_THAT(count("_safemig_backup_v1_items_R1"), IsOkAndHolds(10));
  EXPECT_THAT(count("_safemig_backup_v1_order lines_R1"), IsOkAndHolds(3));
  EXPECT_THAT(conn_->query_int("SELECT count(*) FROM (SELECT * FROM items EXCEPT "
                               "SELECT * FROM _safemig_backup_v1_items_R1)"),
              IsOkAndHolds(0));
  EXPECT_THAT(backup_table_names(),
              ElementsAre("_safemig_backup_v1_items_R1", "_safemig_backup_v1_order lines_R1"));
}

TEST_F(BackupTablesTest, RunIdentifiersAreUtcMilliseconds) {
  EXPECT_THAT(new_backup_run(), MatchesRegex("[0-9]{8}T[0-9]{9}"));
  auto made = create_backup_table(*conn_, BackupTableOrigin{0, "V1 a", "down", ""}, "items");
  ASSERT_THAT(made, IsOk());
  EXPECT_THAT(made->backup_table, MatchesRegex("_safemig_backup_v0_items_[0-9]{8}T[0-9]{9}"));
}

TEST_F(BackupTablesTest, MissingTableIsNotFound) {
  EXPECT_THAT(create_backup_table(*conn_, origin(1, "R1"), "nope"),
              ErrorIs(ErrorCode::not_found, HasSubstr("cannot back up table 'nope'")));
  EXPECT_THAT(backup_table_names(), IsEmpty());
}

TEST_F(BackupTablesTest, NegativeVersionIsInvalidInput) {
  EXPECT_THAT(create_backup_table(*conn_, origin(-1, "R1"), "items"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("must be >= 0, got -1")));
}

TEST_F(BackupTablesTest, ListWithoutRegistryIsEmpty) {
  EXPECT_THAT(backup_table_names(), IsEmpty());
  EXPECT_THAT(tables_named("_safemig_backup_tables"), IsOkAndHolds(0));
}

// A later copy never overwrites an earlier one, even with the same version and run.
TEST_F(BackupTablesTest, ACopyNeverReplacesAnEarlierOne) {
  ASSERT_THAT(create_backup_table(*conn_, origin(2, "R1"), "items"), IsOk());
  add_items(*conn_, 5);
  auto again = create_backup_table(*conn_, origin(2, "R1"), "items");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->backup_table, "_safemig_backup_v2_items_R1_2");
  EXPECT_EQ(again->row_count, 15);
  EXPECT_THAT(count("_safemig_backup_v2_items_R1"), IsOkAndHolds(10));
  EXPECT_THAT(count("_safemig_backup_v2_items_R1_2"), IsOkAndHolds(15));
}

TEST_F(BackupTablesTest, RollsBackWithTheCallersTransaction) {
  ASSERT_THAT(conn_->begin(db::TransactionMode::immediate), IsOk());
  ASSERT_THAT(create_backup_table(*conn_, origin(3, "R1"), "items"), IsOk());
  ASSERT_THAT(conn_->rollback(), IsOk());
  EXPECT_THAT(tables_named("_safemig_backup_v3_items_R1"), IsOkAndHolds(0));
  EXPECT_THAT(backup_table_names(), IsEmpty());
}

TEST_F(BackupTablesTest, PruneKeepsTheNewestRunsAndEveryCopyHoldingRemovedData) {
  for (int version : {1, 2, 3, 4}) {
    const std::string run = "R" + std::to_string(version);
    ASSERT_THAT(create_backup_table(*conn_, origin(version, run), "items"), IsOk());
    if (version == 2) {
      ASSERT_THAT(create_backup_table(*conn_, origin(version, run), "order lines"), IsOk());
    }
  }
  ASSERT_THAT(mark_holds_removed_data(*conn_, "_safemig_backup_v1_items_R1"), IsOk());
  auto dropped = prune_backup_tables(*conn_, 2);
  ASSERT_THAT(dropped, IsOk());
  EXPECT_THAT(*dropped,
              ElementsAre("_safemig_backup_v2_items_R2", "_safemig_backup_v2_order lines_R2"));
  EXPECT_THAT(backup_table_names(),
              ElementsAre("_safemig_backup_v4_items_R4", "_safemig_backup_v3_items_R3",
                          "_safemig_backup_v1_items_R1"));
  for (const auto& name : *dropped) EXPECT_THAT(tables_named(name), IsOkAndHolds(0)) << name;
  auto nothing = prune_backup_tables(*conn_, 2);
  ASSERT_THAT(nothing, IsOk());
  EXPECT_THAT(*nothing, IsEmpty());
  EXPECT_THAT(prune_backup_tables(*conn_, 0), IsOk());
  EXPECT_THAT(backup_table_names(), ElementsAre("_safemig_backup_v1_items_R1"));
  EXPECT_THAT(count("_safemig_backup_v1_items_R1"), IsOkAndHolds(10));
}

TEST_F(BackupTablesTest, MarkingAnUnrecordedTableIsNotFound) {
  EXPECT_THAT(mark_holds_removed_data(*conn_, "items"),
              ErrorIs(ErrorCode::not_found, HasSubstr("'items' is not a recorded backup table")));
}

TEST_F(BackupTablesTest, DropByNameRemovesEvenTheLastCopyOfRemovedData) {
  ASSERT_THAT(create_backup_table(*conn_, origin(1, "R1"), "items"), IsOk());
  ASSERT_THAT(mark_holds_removed_data(*conn_, "_safemig_backup_v1_items_R1"), IsOk());
  auto dropped = drop_backup_table(*conn_, "_safemig_backup_v1_items_R1");
  ASSERT_THAT(dropped, IsOk());
  EXPECT_EQ(dropped->row_count, 10);
  EXPECT_THAT(tables_named("_safemig_backup_v1_items_R1"), IsOkAndHolds(0));
  EXPECT_THAT(backup_table_names(), IsEmpty());
}

TEST_F(BackupTablesTest, DropOfATableSafemigDidNotMakeIsNotFoundAndDropsNothing) {
  EXPECT_THAT(
      drop_backup_table(*conn_, "items"),
      ErrorIs(ErrorCode::not_found, HasSubstr("'items' is not a backup table safemig made")));
  EXPECT_THAT(count("items"), IsOkAndHolds(10));
}

// A registry written by an earlier release gains the new columns; its copies, of which nobody
// can say whether they hold removed data, are kept by retention.
TEST_F(BackupTablesTest, CopiesOfEarlierReleasesAreKeptByRetention) {
  ASSERT_THAT(conn_->execute_script(
                  "CREATE TABLE _safemig_backup_tables (version INTEGER NOT NULL, table_name TEXT "
                  "NOT NULL, backup_table TEXT NOT NULL PRIMARY KEY, row_count INTEGER NOT NULL, "
                  "created_at TEXT NOT NULL);"
                  "CREATE TABLE _safemig_backup_v1_items AS SELECT * FROM items;"
                  "INSERT INTO _safemig_backup_tables VALUES (1, 'items', "
                  "'_safemig_backup_v1_items', 10, '2020-01-01T00:00:00.000Z');"),
              IsOk());
  auto listed = list_backup_tables(*conn_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().holds_removed_data);
  EXPECT_EQ(listed->front().step, "");
  ASSERT_THAT(create_backup_table(*conn_, origin(2, "R2"), "items"), IsOk());
  EXPECT_THAT(prune_backup_tables(*conn_, 0), IsOk());
  EXPECT_THAT(backup_table_names(), ElementsAre("_safemig_backup_v1_items"));
}

TEST_F(BackupTablesTest, NegativeKeepIsInvalidInput) {
  EXPECT_THAT(prune_backup_tables(*conn_, -1),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("must be >= 0")));
}

}  // namespace
}  // namespace safemig::backup
