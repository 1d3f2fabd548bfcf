// Test helpers for the metrics server (see metrics_test_db.h).
#include "metrics_test_db.h"

#include <gtest/gtest.h>

#include <random>

#include "safemig/app/history.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/safe_migration_manager.h"

namespace safemig::metrics_server::testing {

void create_database(const std::string& path, std::optional<int> version) {
  auto history = app::application_history();
  ASSERT_TRUE(history.has_value()) << history.error().describe();
  migrate::ManagerOptions options;
  options.db_path = path;
  options.command = "metrics-server test";
  auto manager = migrate::SafeMigrationManager::open(*history, options);
  ASSERT_TRUE(manager.has_value()) << manager.error().describe();
  auto report = (*manager)->migrate(version);
  ASSERT_TRUE(report.has_value()) << report.error().describe();
}

void write_records(const std::string& path, const std::vector<dao::CompletionRequest>& records) {
  auto lock = db::WriterLock::acquire(path, "metrics-server test writer");
  ASSERT_TRUE(lock.has_value()) << lock.error().describe();
  auto connection = db::open_sqlite(path);
  ASSERT_TRUE(connection.has_value()) << connection.error().describe();
  auto writer = dao::CompletionRequestsWriter::create(**connection);
  ASSERT_TRUE(writer.has_value()) << writer.error().describe();
  const auto written = writer->insert_batch(records);
  ASSERT_TRUE(written.has_value()) << written.error().describe();
}

std::vector<dao::CompletionRequest> sample_records(std::size_t count, std::int64_t start_ms,
                                                   std::int64_t span_ms, std::uint32_t seed,
                                                   std::size_t model_count) {
  std::mt19937 rng(seed);
  const std::vector<std::string> errors = {"rate_limit_error", "server_error", "upstream_timeout"};
  std::vector<dao::CompletionRequest> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    dao::CompletionRequest r;
    r.timestamp = dao::from_epoch_ms(
        start_ms + std::uniform_int_distribution<std::int64_t>(0, span_ms - 1)(rng));
    r.request_id = "m" + std::to_string(seed) + "-" + std::to_string(i);
    r.model = "model-" + std::to_string(rng() % model_count);
    // In turn rather than drawn, so that the other fields stay as they were for each seed.
    r.endpoint = i % 3 == 0 ? "embeddings" : i % 3 == 1 ? "responses" : "chat/completions";
    r.is_streaming = rng() % 2 == 0;
    r.success = rng() % 5 != 0;
    r.response_time_ms = std::uniform_int_distribution<std::int64_t>(0, 60000)(rng) >> (rng() % 10);
    if (r.success) {
      r.status_code = 200;
      r.finish_reason = rng() % 4 == 0 ? "length" : "stop";
      if (rng() % 6 != 0) {
        r.prompt_tokens = static_cast<std::int64_t>(rng() % 5000);
        r.completion_tokens = static_cast<std::int64_t>(rng() % 1500);
        r.total_tokens = *r.prompt_tokens + *r.completion_tokens;
      }
      if (r.is_streaming) {
        r.time_to_first_token_ms = r.response_time_ms / (1 + static_cast<std::int64_t>(rng() % 8));
        r.time_to_last_token_ms = r.response_time_ms;
      }
    } else {
      const std::size_t e = rng() % errors.size();
      r.error_type = errors[e];
      r.error_message = "upstream refused";
      if (e != 2) r.status_code = e == 0 ? 429 : 500;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<db::Row> sql_rows(const std::string& path, const std::string& sql,
                              std::vector<db::Value> params) {
  db::SqliteOptions options;
  options.read_only = true;
  options.create = false;
  auto connection = db::open_sqlite(path, options);
  EXPECT_TRUE(connection.has_value()) << connection.error().describe();
  if (!connection) return {};
  auto rows = (*connection)->query_params(sql, params);
  EXPECT_TRUE(rows.has_value()) << rows.error().describe();
  if (!rows) return {};
  return std::move(*rows);
}

std::int64_t sql_int(const std::string& path, const std::string& sql,
                     std::vector<db::Value> params) {
  const auto rows = sql_rows(path, sql, std::move(params));
  if (rows.empty() || rows[0].is_null(0)) return 0;
  return rows[0].int64(0);
}

http::Request get(std::string target) {
  return http::Request(boost::beast::http::verb::get, target, 11);
}

}  // namespace safemig::metrics_server::testing
