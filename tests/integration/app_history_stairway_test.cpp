// The application's history through the SafeMigrationManager on a populated database: every
// step up, down and up again leaves the same schema and the same rows (Alembic's "stairway"
// test, with data).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/app/history.h"
#include "safemig/backup/backup_tables.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/introspect.h"
#include "support/database_snapshot.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig {
namespace {

using ::safemig::testing::application_snapshot;
using ::safemig::testing::count_rows;
using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;

constexpr int kRows = 500;

class AppHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = app::application_history();
    ASSERT_THAT(set, IsOk());
    set_ = std::move(*set);
  }

  Result<std::unique_ptr<migrate::SafeMigrationManager>> open_manager(
      bool allow_data_loss = false) {
    migrate::ManagerOptions options;
    options.db_path = db_;
    options.command = "stairway test";
    options.allow_data_loss = allow_data_loss;
    return migrate::SafeMigrationManager::open(set_, options);
  }

  // Rows in the v1 shape, over three models and a few minutes, some failed, some streaming.
  Result<void> insert_v1_rows(db::Connection& conn) {
    SAFEMIG_TRY_VOID(conn.begin(db::TransactionMode::immediate));
    for (std::int64_t i = 0; i < kRows; ++i) {
      const bool failed = i % 7 == 0;
      SAFEMIG_TRY_VOID(conn.execute(
          "INSERT INTO completion_requests (timestamp_ms, success, status_code, "
          "response_time_ms, model, is_streaming, prompt_tokens, completion_tokens, "
          "total_tokens, error_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {std::int64_t{1'763'800'000'000} + i * 1'337, failed ? std::int64_t{0} : 1,
           failed ? std::int64_t{500} : 200, 50 + (i * 37) % 3000,
           i % 11 == 0 ? db::Value(db::Null{}) : db::Value("model-" + std::to_string(i % 3)),
           std::int64_t{i % 2}, 10 + i % 50, 20 + i % 70, 30 + i % 50 + i % 70,
           failed ? db::Value(std::string("server_error")) : db::Value(db::Null{})}));
    }
    return conn.commit();
  }

  TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
  migrate::MigrationSet set_ = *migrate::MigrationSet::create({});
};

TEST_F(AppHistoryTest, EveryVersionMatchesItsExpectedSchema) {
  auto manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  for (int version = 1; version <= app::kLatestVersion; ++version) {
    ASSERT_THAT((*manager)->migrate(version), IsOk()) << "V" << version;
    auto live = schema::read_schema((*manager)->connection());
    ASSERT_THAT(live, IsOk());
    EXPECT_EQ(schema::diff_schemas(app::expected_schema_v(version), *live).to_string(), "")
        << "V" << version;
  }
}

TEST_F(AppHistoryTest, StairwayOnPopulatedDatabaseKeepsSchemaAndRows) {
  auto manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(1), IsOk());
  ASSERT_THAT(insert_v1_rows((*manager)->connection()), IsOk());
  for (int version = 2; version <= app::kLatestVersion; ++version) {
    ASSERT_THAT((*manager)->migrate(version), IsOk()) << "up to V" << version;
    manager->reset();
    const std::string at_version = application_snapshot(db_);
    ASSERT_EQ(count_rows(db_, "completion_requests"), kRows);

    // V3's down drops request_id and upstream, which hold values: refused unless allowed.
    manager = open_manager();
    ASSERT_THAT(manager, IsOk());
    if (version == 3) {
      EXPECT_THAT((*manager)->downgrade(version - 1),
                  ErrorIs(ErrorCode::constraint,
                          HasSubstr("column completion_requests.request_id: 500 values")));
    }
    manager->reset();
    manager = open_manager(true);
    ASSERT_THAT(manager, IsOk());
    ASSERT_THAT((*manager)->downgrade(version - 1), IsOk()) << "down from V" << version;
    if (version == 3) {
      auto kept = backup::list_backup_tables((*manager)->connection());
      ASSERT_THAT(kept, IsOk());
      ASSERT_FALSE(kept->empty());
      EXPECT_EQ(kept->front().step, "V3 rebuild_completion_requests");
      EXPECT_EQ(kept->front().direction, "down");
      EXPECT_TRUE(kept->front().holds_removed_data);
      EXPECT_THAT(
          (*manager)->connection().query_int("SELECT count(DISTINCT request_id) FROM " +
                                             db::quote_identifier(kept->front().backup_table)),
          IsOkAndHolds(kRows));
    }
    EXPECT_EQ(count_rows(db_, "completion_requests"), kRows) << "after down from V" << version;
    ASSERT_THAT((*manager)->migrate(version), IsOk()) << "up again to V" << version;
    manager->reset();
    EXPECT_TRUE(application_snapshot(db_) == at_version)
        << "V" << version << " differs after down and up";
    manager = open_manager();
    ASSERT_THAT(manager, IsOk());
  }
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(app::kLatestVersion));
}

TEST_F(AppHistoryTest, RebuildBackfillsModelAndRequestIdAndKeepsEveryRow) {
  auto manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(2), IsOk());
  ASSERT_THAT(insert_v1_rows((*manager)->connection()), IsOk());
  ASSERT_THAT((*manager)->migrate(3), IsOk());
  db::Connection& conn = (*manager)->connection();
  EXPECT_THAT(conn.query_int("SELECT count(*) FROM completion_requests"), IsOkAndHolds(kRows));
  EXPECT_THAT(conn.query_int("SELECT count(*) FROM completion_requests WHERE model IS NULL"),
              IsOkAndHolds(0));
  EXPECT_THAT(conn.query_int("SELECT count(DISTINCT request_id) FROM completion_requests"),
              IsOkAndHolds(kRows));
  auto kept = backup::list_backup_tables(conn);
  ASSERT_THAT(kept, IsOk());
  ASSERT_FALSE(kept->empty());
  EXPECT_EQ(kept->front().table, "completion_requests");
  EXPECT_EQ(kept->front().step, "V3 rebuild_completion_requests");
  EXPECT_FALSE(kept->front().holds_removed_data);
  EXPECT_THAT(
      conn.query_int("SELECT count(*) FROM " + db::quote_identifier(kept->front().backup_table)),
      IsOkAndHolds(kRows));
}

}  // namespace
}  // namespace safemig
