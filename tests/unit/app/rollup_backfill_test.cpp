// The v4 and v5 backfills, run one after the other on rows written before v4, compute the same
// rollup rows (minute, hour and day, values, maxima and labels, per endpoint) as the writer DAO
// does for the same requests, whatever the batches the writer received them in; and v5 gives each
// row the endpoint the writer would have stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <span>

#include "safemig/app/history.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::app {
namespace {

using ::safemig::testing::IsOk;

constexpr const char* kTables[] = {
    "completion_rollups_minute",     "completion_rollups_hour",
    "completion_rollups_day",        "completion_label_rollups_minute",
    "completion_label_rollups_hour", "completion_label_rollups_day"};

std::unique_ptr<db::Connection> open_at(const std::string& path, int version) {
  auto connection = db::open_sqlite(path);
  EXPECT_THAT(connection, IsOk());
  auto set = application_history();
  EXPECT_THAT(set, IsOk());
  for (int v = 1; v <= version; ++v) {
    EXPECT_THAT((*connection)->execute_script(std::get<std::string>(set->find(v)->up)), IsOk());
  }
  return std::move(*connection);
}

std::vector<dao::CompletionRequest> requests() {
  std::vector<dao::CompletionRequest> out;
  for (int i = 0; i < 2000; ++i) {
    dao::CompletionRequest r;
    // Four and a half hours of traffic on each of three consecutive days.
    r.timestamp = dao::from_epoch_ms(1795330800000 + static_cast<std::int64_t>(i) * 7919 +
                                     static_cast<std::int64_t>(i % 3) * 86'400'000);
    r.request_id = "r" + std::to_string(i);
    r.model = i % 3 == 0 ? "a" : "b";
    // Before v5 only chat and text completions were recorded; only chat has a message count.
    r.endpoint = i % 4 == 3 ? "completions" : "chat/completions";
    if (r.endpoint == "chat/completions") r.message_count = 1 + i % 5;
    r.is_streaming = i % 2 == 0;
    r.success = i % 9 != 0;
    r.status_code = r.success ? 200 : 500;
    r.response_time_ms = (i * 37) % 150000;
    if (i % 4 != 0) r.prompt_tokens = i;
    if (i % 4 != 1) r.completion_tokens = 2 * i;
    if (i % 4 == 2) r.total_tokens = 3 * i;
    if (r.is_streaming) r.time_to_first_token_ms = (i * 13) % 3000;
    if (r.is_streaming && i % 3 != 0) r.time_to_last_token_ms = (i * 29) % 90000;
    if (r.success) r.finish_reason = i % 5 == 0 ? "length" : "stop";
    if (!r.success) r.error_type = i % 2 == 0 ? "server_error" : "timeout";
    out.push_back(r);
  }
  return out;
}

std::vector<db::Row> dump(db::Connection& c, const std::string& table) {
  auto rows = c.query("SELECT * FROM " + table + " ORDER BY 1, 2, 3, 4, 5, 6");
  EXPECT_THAT(rows, IsOk());
  return rows ? *rows : std::vector<db::Row>{};
}

TEST(RollupBackfill, EqualsWhatTheWriterMaintains) {
  safemig::testing::TempDir dir;
  const auto records = requests();

  auto live = open_at(dir.file("live.db"), 5);
  auto writer = dao::CompletionRequestsWriter::create(*live);
  ASSERT_THAT(writer, IsOk());
  // Single inserts, small batches and one large batch: keys recur across batches and levels.
  const std::span<const dao::CompletionRequest> all(records);
  for (std::size_t i = 0; i < 5; ++i) ASSERT_THAT(writer->insert(all[i]), IsOk());
  ASSERT_THAT(writer->insert_batch(all.subspan(5, 7)), IsOk());
  ASSERT_THAT(writer->insert_batch(all.subspan(12, 488)), IsOk());
  ASSERT_THAT(writer->insert_batch(all.subspan(500)), IsOk());

  auto migrated = open_at(dir.file("migrated.db"), 3);
  auto v3_writer_rows = [&] {
    for (const auto& r : records) {
      ASSERT_THAT(
          migrated->execute(
              "INSERT INTO completion_requests (timestamp_ms, request_id, success, status_code, "
              "response_time_ms, model, is_streaming, message_count, prompt_tokens, "
              "completion_tokens, total_tokens, time_to_first_token_ms, time_to_last_token_ms, "
              "finish_reason, error_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {dao::to_epoch_ms(r.timestamp), r.request_id, db::value_of(r.success),
               db::value_of(r.status_code), r.response_time_ms, r.model,
               db::value_of(r.is_streaming), db::value_of(r.message_count),
               db::value_of(r.prompt_tokens), db::value_of(r.completion_tokens),
               db::value_of(r.total_tokens), db::value_of(r.time_to_first_token_ms),
               db::value_of(r.time_to_last_token_ms), db::value_of(r.finish_reason),
               db::value_of(r.error_type)}),
          IsOk());
    }
  };
  v3_writer_rows();
  auto set = application_history();
  ASSERT_THAT(set, IsOk());
  ASSERT_THAT(migrated->execute_script(std::get<std::string>(set->find(4)->up)), IsOk());
  ASSERT_THAT(migrated->execute_script(std::get<std::string>(set->find(5)->up)), IsOk());

  const std::string endpoints = "SELECT request_id, endpoint FROM completion_requests ORDER BY 1";
  auto written = live->query(endpoints);
  auto backfilled = migrated->query(endpoints);
  ASSERT_THAT(written, IsOk());
  ASSERT_THAT(backfilled, IsOk());
  ASSERT_EQ(backfilled->size(), records.size());
  for (std::size_t i = 0; i < written->size(); ++i) {
    EXPECT_EQ((*backfilled)[i].values(), (*written)[i].values()) << "row " << i;
  }

  for (const char* table : kTables) {
    const auto expected = dump(*live, table);
    const auto actual = dump(*migrated, table);
    ASSERT_FALSE(expected.empty()) << table;
    ASSERT_EQ(actual.size(), expected.size()) << table;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i].values(), expected[i].values()) << table << " row " << i;
    }
  }
}

}  // namespace
}  // namespace safemig::app
