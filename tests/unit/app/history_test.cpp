// Tests of the application's schema history: each version's up SQL produces exactly its
// expected schema, each down returns to the previous one, and data survives the rebuild (v3)
// and is rolled up by the backfill (v4) exactly as the writer would.
#include "safemig/app/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/db/sqlite_connection.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/introspect.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::app {
namespace {

using ::safemig::testing::IsOk;

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = application_history();
    ASSERT_THAT(set, IsOk());
    set_ = std::move(*set);
    auto connection = db::open_sqlite(dir_.file("app.db"));
    ASSERT_THAT(connection, IsOk());
    connection_ = std::move(*connection);
  }

  const migrate::MigrationStep& step(int version) { return *set_->find(version); }

  void up(int version) {
    ASSERT_THAT(connection_->execute_script(std::get<std::string>(step(version).up)), IsOk())
        << step(version).label();
  }
  void down(int version) {
    ASSERT_TRUE(step(version).down.has_value());
    ASSERT_THAT(connection_->execute_script(std::get<std::string>(*step(version).down)), IsOk())
        << step(version).label();
  }
  void expect_schema(int version) {
    auto live = schema::read_schema(*connection_);
    ASSERT_THAT(live, IsOk());
    const auto diff = schema::diff_schemas(expected_schema_v(version), *live);
    EXPECT_TRUE(diff.empty()) << "v" << version << ":\n" << diff.to_string();
  }
  std::int64_t count(const std::string& sql) {
    auto n = connection_->query_int(sql);
    EXPECT_THAT(n, IsOk()) << sql;
    return n.value_or(-1);
  }
  void verify(int version) {
    for (const auto& sql : step(version).verify_sql) EXPECT_EQ(count(sql), 1) << sql;
  }

  safemig::testing::TempDir dir_;
  std::optional<migrate::MigrationSet> set_;
  std::unique_ptr<db::Connection> connection_;
};

TEST_F(HistoryTest, IsAValidSetOfFiveStepsWithSqlBodies) {
  ASSERT_EQ(set_->latest_version(), kLatestVersion);
  ASSERT_EQ(set_->steps().size(), 5u);
  for (const auto& s : set_->steps()) {
    EXPECT_TRUE(std::holds_alternative<std::string>(s.up)) << s.label();
    ASSERT_TRUE(s.down.has_value()) << s.label();
    EXPECT_TRUE(std::holds_alternative<std::string>(*s.down)) << s.label();
    ASSERT_TRUE(s.expected_schema.has_value()) << s.label();
    EXPECT_EQ(*s.expected_schema, expected_schema_v(s.version));
    EXPECT_EQ(s.checksum().size(), 64u);
  }
  EXPECT_TRUE(step(3).rebuilds_tables);
  EXPECT_EQ(step(3).touched_tables, std::vector<std::string>{"completion_requests"});
  EXPECT_EQ(step(3).row_policy, migrate::RowPolicy::preserve);
  // V5 rebuilds the rollups (each keeps at least its rows) and its down removes the endpoints.
  EXPECT_EQ(step(5).row_policy, migrate::RowPolicy::preserve);
  EXPECT_EQ(step(5).down_row_policy, migrate::RowPolicy::declared_change);
  EXPECT_EQ(step(5).touched_tables, step(5).down_touched_tables);
  EXPECT_THAT(step(5).touched_tables,
              ::testing::UnorderedElementsAre(
                  "completion_requests", "completion_rollups_minute", "completion_rollups_hour",
                  "completion_rollups_day", "completion_label_rollups_minute",
                  "completion_label_rollups_hour", "completion_label_rollups_day"));
  EXPECT_TRUE(expected_schema_v(0).tables.empty());
}

TEST_F(HistoryTest, EachUpProducesItsExpectedSchemaAndEachDownThePrevious) {
  expect_schema(0);
  for (int v = 1; v <= kLatestVersion; ++v) {
    up(v);
    expect_schema(v);
    down(v);
    expect_schema(v - 1);
    up(v);
    expect_schema(v);
  }
  for (int v = kLatestVersion; v >= 1; --v) {
    down(v);
    expect_schema(v - 1);
  }
}

TEST_F(HistoryTest, RebuildKeepsRowsAndBackfills) {
  up(1);
  up(2);
  ASSERT_THAT(connection_->execute_script(
                  "INSERT INTO completion_requests (timestamp_ms, success, status_code, "
                  "response_time_ms, model, is_streaming, prompt_tokens, completion_tokens, "
                  "total_tokens, error_type) "
                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
                  "SELECT 1795330800000 + i * 977, i % 5 != 0, 200, i % 3000, "
                  "CASE WHEN i % 7 = 0 THEN NULL ELSE 'm' || (i % 3) END, i % 2, i, i * 2, i * 3, "
                  "CASE WHEN i % 5 = 0 THEN 'server_error' END FROM n;"),
              IsOk());
  const std::int64_t rows = count("SELECT count(*) FROM completion_requests");
  ASSERT_EQ(rows, 1000);
  const std::int64_t token_sum = count("SELECT sum(total_tokens) FROM completion_requests");
  up(3);
  expect_schema(3);
  verify(3);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), rows);
  EXPECT_EQ(count("SELECT sum(total_tokens) FROM completion_requests"), token_sum);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests WHERE model = 'unknown'"), 142);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests WHERE request_id = 'legacy-' || id"),
            rows);
  up(4);
  expect_schema(4);
  verify(4);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_minute"), rows);
  EXPECT_EQ(count("SELECT sum(total_tokens) FROM completion_rollups_hour"), token_sum);
  EXPECT_EQ(count("SELECT sum(total_tokens) FROM completion_rollups_day"), token_sum);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_label_rollups_day "
                  "WHERE label = 'error_type' AND value = 'server_error'"),
            200);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_label_rollups_hour "
                  "WHERE label = 'error_type' AND value = 'server_error'"),
            200);
  down(4);
  down(3);
  expect_schema(2);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), rows);
  EXPECT_EQ(count("SELECT sum(total_tokens) FROM completion_requests"), token_sum);
}

TEST_F(HistoryTest, RebuildRefusesNegativeValuesInsteadOfDroppingThem) {
  up(1);
  up(2);
  ASSERT_THAT(connection_->execute("INSERT INTO completion_requests (timestamp_ms, success, "
                                   "response_time_ms, prompt_tokens) VALUES (1, 1, 5, -3)"),
              IsOk());
  ASSERT_THAT(connection_->begin(db::TransactionMode::immediate), IsOk());
  EXPECT_THAT(connection_->execute_script(std::get<std::string>(step(3).up)),
              safemig::testing::ErrorIs(ErrorCode::constraint, ::testing::HasSubstr("CHECK")));
  ASSERT_THAT(connection_->rollback(), IsOk());
  expect_schema(2);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 1);
}

}  // namespace
}  // namespace safemig::app
