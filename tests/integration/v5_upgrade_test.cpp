// V5 add_endpoint_and_maxima through the SafeMigrationManager on a v4 database that holds rows
// and rollups, as deployed databases do: no row is lost, every row gets its endpoint, the
// rebuilt rollups equal the rollups computed from the rows (and, summed over endpoints, the v4
// rollups), and down then up again restores each version exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "safemig/app/history.h"
#include "safemig/backup/backup_tables.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/dao/integrity.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "support/database_snapshot.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig {
namespace {

using ::safemig::testing::application_snapshot;
using ::safemig::testing::count_rows;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;

constexpr std::int64_t kRows = 600;
constexpr std::int64_t kFirstMs = 1'763'800'000'000;

// The v4 rollups' request and token counts per (bucket, model, streaming), the same sums of the
// v5 rollups over their endpoints: equal when the rebuild kept every count.
std::string v4_totals(db::Connection& conn, const std::string& table, const std::string& key) {
  auto rows = conn.query("SELECT " + key +
                         ", model, is_streaming, sum(requests), sum(errors), sum(total_tokens), "
                         "sum(response_time_sum_ms), sum(ttft_count), sum(rt_b05) FROM " +
                         table + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
  EXPECT_THAT(rows, IsOk()) << table;
  std::string out;
  if (!rows) return out;
  for (const db::Row& row : *rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out += row.text(i) + (i + 1 < row.size() ? "," : "\n");
  }
  return out;
}

class V5UpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = app::application_history();
    ASSERT_THAT(set, IsOk());
    set_ = std::move(*set);
  }

  Result<std::unique_ptr<migrate::SafeMigrationManager>> open_manager() {
    migrate::ManagerOptions options;
    options.db_path = db_;
    options.command = "v5 upgrade test";
    return migrate::SafeMigrationManager::open(set_, options);
  }

  // Rows as a v4 proxy wrote them (chat requests with a message count, text completions
  // without), with their rollups, over three models, several hours and two days.
  void populate_v4(db::Connection& conn) {
    ASSERT_THAT(conn.begin(db::TransactionMode::immediate), IsOk());
    for (std::int64_t i = 0; i < kRows; ++i) {
      const bool chat = i % 3 != 0;
      const bool streaming = i % 2 == 0;
      ASSERT_THAT(
          conn.execute(
              "INSERT INTO completion_requests (timestamp_ms, request_id, success, status_code, "
              "response_time_ms, model, is_streaming, message_count, prompt_tokens, "
              "completion_tokens, total_tokens, time_to_first_token_ms, time_to_last_token_ms, "
              "finish_reason, error_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {kFirstMs + i * 300'007, "req-" + std::to_string(i), std::int64_t{i % 9 != 0},
               i % 9 != 0 ? std::int64_t{200} : std::int64_t{502}, (i * 7919) % 12'000,
               "model-" + std::to_string(i % 3), std::int64_t{streaming},
               chat ? db::Value(std::int64_t{1 + i % 4}) : db::Value(db::Null{}),
               std::int64_t{10 + i % 50}, std::int64_t{20 + i % 70},
               std::int64_t{30 + i % 50 + i % 70},
               streaming ? db::Value((i * 131) % 4000) : db::Value(db::Null{}),
               streaming ? db::Value((i * 977) % 11'000) : db::Value(db::Null{}),
               i % 9 != 0 ? db::Value(std::string("stop")) : db::Value(db::Null{}),
               i % 9 != 0 ? db::Value(db::Null{}) : db::Value(std::string("bad_gateway"))}),
          IsOk());
    }
    ASSERT_THAT(conn.commit(), IsOk());
  }

  TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
  migrate::MigrationSet set_ = *migrate::MigrationSet::create({});
};

TEST_F(V5UpgradeTest, KeepsEveryRowBackfillsEndpointsAndRebuildsRollupsFromTheRows) {
  auto manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(3), IsOk());
  populate_v4((*manager)->connection());
  ASSERT_THAT((*manager)->migrate(4), IsOk());
  db::Connection& conn = (*manager)->connection();
  const std::string v4_minutes = v4_totals(conn, "completion_rollups_minute", "minute_ms");
  const std::string v4_hours = v4_totals(conn, "completion_rollups_hour", "hour_ms");
  const std::string v4_days = v4_totals(conn, "completion_rollups_day", "day_ms");
  ASSERT_FALSE(v4_minutes.empty());

  ASSERT_THAT((*manager)->migrate(5), IsOk());
  EXPECT_THAT(conn.query_int("SELECT count(*) FROM completion_requests"), IsOkAndHolds(kRows));
  EXPECT_THAT(conn.query_int("SELECT count(*) FROM completion_requests WHERE endpoint = "
                             "'chat/completions' AND message_count IS NOT NULL"),
              IsOkAndHolds(kRows - kRows / 3));
  EXPECT_THAT(conn.query_int("SELECT count(*) FROM completion_requests WHERE endpoint = "
                             "'completions' AND message_count IS NULL"),
              IsOkAndHolds(kRows / 3));
  EXPECT_EQ(v4_totals(conn, "completion_rollups_minute", "minute_ms"), v4_minutes);
  EXPECT_EQ(v4_totals(conn, "completion_rollups_hour", "hour_ms"), v4_hours);
  EXPECT_EQ(v4_totals(conn, "completion_rollups_day", "day_ms"), v4_days);
  // Every rollup value, maxima included, against the rows.
  EXPECT_THAT(dao::find_integrity_issues(conn), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(conn.query_int("SELECT max(response_time_max_ms) FROM completion_rollups_day"),
              IsOkAndHolds(conn.query_int("SELECT max(response_time_ms) FROM "
                                          "completion_requests")
                               .value_or(-1)));

  // The reader's totals over all time equal the rows'.
  const dao::CompletionRequestsReader reader(conn);
  auto metrics = reader.metrics({dao::TimePoint{}, dao::from_epoch_ms(kFirstMs + kRows * 300'007)});
  ASSERT_THAT(metrics, IsOk());
  EXPECT_EQ(metrics->overall.requests, kRows);
  ASSERT_EQ(metrics->endpoints.size(), 2u);
  EXPECT_EQ(metrics->endpoints[0].endpoint, "chat/completions");
  EXPECT_EQ(metrics->endpoints[0].totals.requests, kRows - kRows / 3);
  EXPECT_EQ(metrics->endpoints[1].endpoint, "completions");
  EXPECT_THAT(conn.query_int("SELECT max(response_time_ms) FROM completion_requests"),
              IsOkAndHolds(*metrics->overall.response_time.max_ms));
}

TEST_F(V5UpgradeTest, DowngradeRestoresV4AndKeepsTheEndpointsInABackupTable) {
  auto manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(3), IsOk());
  populate_v4((*manager)->connection());
  ASSERT_THAT((*manager)->migrate(4), IsOk());
  manager->reset();
  const std::string at_v4 = application_snapshot(db_);

  manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(5), IsOk());
  ASSERT_THAT((*manager)->downgrade(4), IsOk());
  manager->reset();
  EXPECT_TRUE(application_snapshot(db_) == at_v4) << "v4 differs after v5 up and down";

  manager = open_manager();
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(5), IsOk());
  // A request recorded at v5 by the writer: an endpoint v4 cannot hold.
  auto writer = dao::CompletionRequestsWriter::create((*manager)->connection());
  ASSERT_THAT(writer, IsOk());
  dao::CompletionRequest embedding;
  embedding.timestamp = dao::from_epoch_ms(kFirstMs + 5);
  embedding.request_id = "emb-1";
  embedding.success = true;
  embedding.status_code = 200;
  embedding.response_time_ms = 12;
  embedding.model = "text-embedding-3-small";
  embedding.endpoint = "embeddings";
  embedding.prompt_tokens = 8;
  embedding.total_tokens = 8;
  ASSERT_THAT(writer->insert(embedding), IsOk());

  ASSERT_THAT((*manager)->downgrade(4), IsOk());
  db::Connection& conn = (*manager)->connection();
  EXPECT_THAT(conn.query_int("SELECT count(*) FROM completion_requests"), IsOkAndHolds(kRows + 1));
  for (const char* table :
       {"completion_rollups_minute", "completion_rollups_hour", "completion_rollups_day"}) {
    EXPECT_THAT(conn.query_int(std::string("SELECT sum(requests) FROM ") + table),
                IsOkAndHolds(kRows + 1))
        << table;
  }
  auto kept = backup::list_backup_tables(conn);
  ASSERT_THAT(kept, IsOk());
  const auto requests_copy = std::find_if(kept->begin(), kept->end(), [](const auto& t) {
    return t.table == "completion_requests" && t.direction == "down";
  });
  ASSERT_NE(requests_copy, kept->end());
  EXPECT_TRUE(requests_copy->holds_removed_data);
  EXPECT_THAT(
      conn.query_int("SELECT count(*) FROM " + db::quote_identifier(requests_copy->backup_table) +
                     " WHERE endpoint = 'embeddings'"),
      IsOkAndHolds(1));
}

}  // namespace
}  // namespace safemig
