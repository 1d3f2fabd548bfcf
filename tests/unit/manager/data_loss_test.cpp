// Steps that would remove rows or values, in either direction: refused unless allowed, and
// allowed, the removed data stays in a backup table of the run that retention never drops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "safemig/backup/backup_tables.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "support/database_snapshot.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::database_snapshot;
using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

MigrationStep sql_step(Version version, std::string name, std::string up, std::string down,
                       std::vector<std::string> touched, std::vector<std::string> down_touched) {
  MigrationStep step;
  step.version = version;
  step.name = std::move(name);
  step.up = std::move(up);
  step.down = std::move(down);
  step.touched_tables = std::move(touched);
  step.down_touched_tables = std::move(down_touched);
  return step;
}

class DataLossTest : public ::testing::Test {
 protected:
  ManagerOptions options(bool allow = false) {
    ManagerOptions o;
    o.db_path = db_;
    o.command = "test";
    o.allow_data_loss = allow;
    return o;
  }

  // The reproduction: V1 creates a, V2 creates b, whose down drops it.
  static MigrationSet a_then_b() {
    auto set = MigrationSet::create(
        {sql_step(1, "create_a", "CREATE TABLE a(id INTEGER PRIMARY KEY);", "DROP TABLE a;", {},
                  {"a"}),
         sql_step(2, "create_b", "CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT);", "DROP TABLE b;",
                  {}, {"b"})});
    EXPECT_THAT(set, IsOk());
    return std::move(*set);
  }

  std::unique_ptr<SafeMigrationManager> open(const MigrationSet& set, bool allow = false) {
    auto manager = SafeMigrationManager::open(set, options(allow));
    EXPECT_THAT(manager, IsOk());
    return manager ? std::move(*manager) : nullptr;
  }

  static void insert_b(db::Connection& conn, int first, int count) {
    for (int i = first; i < first + count; ++i) {
      ASSERT_THAT(conn.execute("INSERT INTO b(id, v) VALUES (?, ?)",
                               {std::int64_t{i}, "row " + std::to_string(i)}),
                  IsOk());
    }
  }

  // Every id of table `table` found live or in one of its listed backup tables.
  static std::set<std::int64_t> ids_anywhere(db::Connection& conn, const std::string& table) {
    std::set<std::int64_t> ids;
    auto live = conn.query_int("SELECT count(*) FROM sqlite_schema WHERE name = ?", {table});
    if (live && *live > 0) {
      auto rows = conn.query("SELECT id FROM " + db::quote_identifier(table));
      EXPECT_THAT(rows, IsOk());
      for (const auto& row : *rows) ids.insert(row.int64(0));
    }
    auto backups = backup::list_backup_tables(conn);
    EXPECT_THAT(backups, IsOk());
    for (const auto& info : *backups) {
      if (info.table != table) continue;
      auto rows = conn.query("SELECT id FROM " + db::quote_identifier(info.backup_table));
      EXPECT_THAT(rows, IsOk());
      for (const auto& row : *rows) ids.insert(row.int64(0));
    }
    return ids;
  }

  TempDir dir_;
  std::string db_ = dir_.file("app.db");
};

TEST_F(DataLossTest, DownStepDroppingATableWithRowsIsRefusedAndChangesNothing) {
  const MigrationSet set = a_then_b();
  auto manager = open(set);
  ASSERT_THAT(manager->migrate(), IsOk());
  insert_b(manager->connection(), 1, 100);
  const std::string before = database_snapshot(db_);
  EXPECT_THAT(manager->downgrade(1),
              ErrorIs(ErrorCode::constraint,
                      AllOf(HasSubstr("V2 create_b (down) failed at stage validate_rows"),
                            HasSubstr("the step would remove data:\n  table b: 100 rows"),
                            HasSubstr("nothing was changed"))));
  EXPECT_THAT(manager->current_version(), IsOkAndHolds(2));
  manager.reset();
  EXPECT_EQ(database_snapshot(db_), before);
}

TEST_F(DataLossTest, AllowedLossKeepsTheRowsInAListedBackupTable) {
  const MigrationSet set = a_then_b();
  auto manager = open(set, true);
  ASSERT_THAT(manager->migrate(), IsOk());
  insert_b(manager->connection(), 1, 100);
  ASSERT_THAT(manager->downgrade(1), IsOk());
  auto listed = backup::list_backup_tables(manager->connection());
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  const backup::BackupTableInfo& kept = listed->front();
  EXPECT_EQ(kept.table, "b");
  EXPECT_EQ(kept.row_count, 100);
  EXPECT_EQ(kept.step, "V2 create_b");
  EXPECT_EQ(kept.direction, "down");
  EXPECT_TRUE(kept.holds_removed_data);
  EXPECT_THAT(manager->connection().query_int("SELECT count(*) FROM " +
                                              db::quote_identifier(kept.backup_table)),
              IsOkAndHolds(100));
}

// Three up/down/up cycles with rows added in each: every row that ever existed is afterwards
// live or in a listed backup table, whatever retention did meanwhile.
TEST_F(DataLossTest, StairwayWithDataLosesNoRow) {
  auto set = MigrationSet::create(
      {sql_step(1, "create_b", "CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT);", "DROP TABLE b;",
                {}, {"b"}),
       sql_step(2, "add_note", "ALTER TABLE b ADD COLUMN note TEXT;",
                "ALTER TABLE b DROP COLUMN note;", {"b"}, {"b"})});
  ASSERT_THAT(set, IsOk());
  ManagerOptions o = options(true);
  o.keep_backup_table_versions = 1;
  auto opened = SafeMigrationManager::open(*set, o);
  ASSERT_THAT(opened, IsOk());
  auto& manager = **opened;
  std::set<std::int64_t> ever;
  std::set<std::string> notes_ever;
  for (int cycle = 0; cycle < 3; ++cycle) {
    ASSERT_THAT(manager.migrate(), IsOk());
    insert_b(manager.connection(), cycle * 100 + 1, 100);
    for (int i = cycle * 100 + 1; i <= cycle * 100 + 100; ++i) ever.insert(i);
    ASSERT_THAT(
        manager.connection().execute_script("UPDATE b SET note = 'n' || id WHERE note IS NULL"),
        IsOk());
    ASSERT_THAT(manager.downgrade(1), IsOk());           // Drops the column note with values.
    ASSERT_THAT(manager.downgrade(kNoVersion), IsOk());  // Drops b with rows.
  }
  ASSERT_THAT(manager.migrate(), IsOk());
  EXPECT_EQ(ids_anywhere(manager.connection(), "b"), ever);
  // Every note value is in a backup table of a run that dropped the column.
  auto listed = backup::list_backup_tables(manager.connection());
  ASSERT_THAT(listed, IsOk());
  std::int64_t notes = 0;
  for (const auto& info : *listed) {
    if (info.step != "V2 add_note" || info.direction != "down") continue;
    EXPECT_TRUE(info.holds_removed_data);
    auto n = manager.connection().query_int("SELECT count(note) FROM " +
                                            db::quote_identifier(info.backup_table));
    ASSERT_THAT(n, IsOk());
    notes += *n;
  }
  EXPECT_EQ(notes, 3 * 100);
}

TEST_F(DataLossTest, DroppingAnEmptyTableOrAnAllNullColumnIsNoLoss) {
  auto set = MigrationSet::create(
      {sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY, c TEXT); CREATE TABLE e(x);",
                "DROP TABLE t; DROP TABLE e;", {}, {"t", "e"}),
       sql_step(2, "drop_both", "ALTER TABLE t DROP COLUMN c; DROP TABLE e;",
                "ALTER TABLE t ADD COLUMN c TEXT; CREATE TABLE e(x);", {"t", "e"}, {"t"})});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(manager->connection().execute_script("INSERT INTO t(id) VALUES (1), (2);"), IsOk());
  EXPECT_THAT(manager->migrate(), IsOk());
  EXPECT_THAT(manager->downgrade(1), IsOk());
}

TEST_F(DataLossTest, DroppingAColumnWithValuesIsRefusedNamingTheColumn) {
  auto set =
      MigrationSet::create({sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY, c TEXT);",
                                     "DROP TABLE t;", {}, {"t"}),
                            sql_step(2, "drop_c", "ALTER TABLE t DROP COLUMN c;",
                                     "ALTER TABLE t ADD COLUMN c TEXT;", {"t"}, {"t"})});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(
      manager->connection().execute_script("INSERT INTO t VALUES (1, 'x'), (2, NULL), (3, 'y');"),
      IsOk());
  EXPECT_THAT(manager->migrate(),
              ErrorIs(ErrorCode::constraint,
                      HasSubstr("the step would remove data:\n  column t.c: 2 values\n")));
  EXPECT_THAT(manager->current_version(), IsOkAndHolds(1));
}

TEST_F(DataLossTest, DeleteIsALossNamingTheRows) {
  auto set = MigrationSet::create(
      {sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY, c TEXT);", "DROP TABLE t;", {},
                {"t"}),
       sql_step(2, "purge", "DELETE FROM t WHERE id > 1;", "SELECT 1;", {"t"}, {})});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(
      manager->connection().execute_script("INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z');"),
      IsOk());
  EXPECT_THAT(manager->migrate(), ErrorIs(ErrorCode::constraint, HasSubstr("table t: 2 rows")));
  EXPECT_THAT(manager->connection().query_int("SELECT count(*) FROM t"), IsOkAndHolds(3));
}

// A table rebuilt under a new name and renamed back, as SQLite's 12-step procedure does, keeps
// its rows and values: no loss.
TEST_F(DataLossTest, ARebuildIsNoLoss) {
  auto set = MigrationSet::create(
      {sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY, c TEXT);", "DROP TABLE t;", {},
                {"t"}),
       sql_step(2, "rebuild",
                "CREATE TABLE new_t(id INTEGER PRIMARY KEY, c TEXT NOT NULL DEFAULT '');"
                "INSERT INTO new_t SELECT id, coalesce(c, '') FROM t; DROP TABLE t;"
                "ALTER TABLE new_t RENAME TO t;",
                "SELECT 1;", {"t"}, {})});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(manager->connection().execute_script("INSERT INTO t VALUES (1, 'x'), (2, NULL);"),
              IsOk());
  EXPECT_THAT(manager->migrate(), IsOk());
}

TEST_F(DataLossTest, RenamingATableOrAColumnIsNoLoss) {
  auto set = MigrationSet::create(
      {sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY, c TEXT);", "DROP TABLE t;", {},
                {"t"}),
       sql_step(2, "rename", "ALTER TABLE t RENAME COLUMN c TO d; ALTER TABLE t RENAME TO u;",
                "ALTER TABLE u RENAME TO t; ALTER TABLE t RENAME COLUMN d TO c;", {"t"}, {"u"})});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(manager->connection().execute_script("INSERT INTO t VALUES (1, 'x'), (2, 'y');"),
              IsOk());
  EXPECT_THAT(manager->migrate(), IsOk());
  EXPECT_THAT(manager->downgrade(1), IsOk());
  EXPECT_THAT(manager->connection().query_int("SELECT count(c) FROM t"), IsOkAndHolds(2));
}

// DROP TABLE of a parent deletes its ON DELETE CASCADE children first: the children's rows are
// guarded and backed up although the step never names their table.
TEST_F(DataLossTest, CascadingDeletesOfChildrenAreLosses) {
  auto set = MigrationSet::create(
      {sql_step(1, "create",
                "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                "CREATE TABLE child(id INTEGER PRIMARY KEY, "
                "parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE);",
                "DROP TABLE child; DROP TABLE parent;", {}, {"child", "parent"}),
       sql_step(2, "drop_parent", "DELETE FROM parent WHERE id = 1;", "SELECT 1;", {"parent"},
                {})});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(manager->connection().execute_script(
                  "INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (1, 1), (2, 1), "
                  "(3, 2);"),
              IsOk());
  EXPECT_THAT(manager->migrate(),
              ErrorIs(ErrorCode::constraint,
                      AllOf(HasSubstr("table child: 2 rows"), HasSubstr("table parent: 1 row"))));
  EXPECT_THAT(manager->connection().query_int("SELECT count(*) FROM child"), IsOkAndHolds(3));
}

TEST_F(DataLossTest, TheStepsOwnDeclarationAllowsTheLossOfItsDirection) {
  MigrationStep create =
      sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY);", "DROP TABLE t;", {}, {"t"});
  create.down_row_policy = RowPolicy::declared_change;
  auto set = MigrationSet::create({create});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(), IsOk());
  ASSERT_THAT(manager->connection().execute_script("INSERT INTO t VALUES (1);"), IsOk());
  ASSERT_THAT(manager->downgrade(kNoVersion), IsOk());
  auto listed = backup::list_backup_tables(manager->connection());
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().holds_removed_data);
}

// A step outside a transaction cannot be rolled back: its loss is undone from the file backup.
TEST_F(DataLossTest, LossOfANonTransactionalStepIsUndoneFromTheFileBackup) {
  MigrationStep purge = sql_step(2, "purge", "DELETE FROM t;", "SELECT 1;", {"t"}, {});
  purge.transactional = false;
  auto set = MigrationSet::create(
      {sql_step(1, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY);", "DROP TABLE t;", {}, {"t"}),
       purge});
  ASSERT_THAT(set, IsOk());
  auto manager = open(*set);
  ASSERT_THAT(manager->migrate(1), IsOk());
  ASSERT_THAT(manager->connection().execute_script("INSERT INTO t VALUES (1), (2);"), IsOk());
  EXPECT_THAT(manager->migrate(),
              ErrorIs(ErrorCode::constraint, AllOf(HasSubstr("restored from the file backup"),
                                                   HasSubstr("table t: 2 rows"))));
  EXPECT_THAT(manager->connection().query_int("SELECT count(*) FROM t"), IsOkAndHolds(2));
  EXPECT_THAT(manager->current_version(), IsOkAndHolds(1));
}

}  // namespace
}  // namespace safemig::migrate
