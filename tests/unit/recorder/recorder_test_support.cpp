// Test helpers for the recorder (see recorder_test_support.h).
#include "recorder_test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "safemig/app/history.h"
#include "safemig/dao/completion_requests_reader.h"

namespace safemig::proxy::testing {

bool create_migrated(const std::string& path, const db::SqliteOptions& options) {
  auto connection = db::open_sqlite(path, options);
  EXPECT_TRUE(connection.has_value()) << connection.error().describe();
  if (!connection) return false;
  auto history = app::application_history();
  EXPECT_TRUE(history.has_value()) << history.error().describe();
  if (!history) return false;
  for (const auto& step : history->steps()) {
    const auto result = (*connection)->execute_script(std::get<std::string>(step.up));
    EXPECT_TRUE(result.has_value()) << step.label() << ": " << result.error().describe();
    if (!result) return false;
  }
  return true;
}

dao::CompletionRequest make_record(const std::string& prefix, std::int64_t n) {
  dao::CompletionRequest r;
  r.timestamp = dao::from_epoch_ms(1795332600000 + n);
  r.request_id = prefix + "-" + std::to_string(n);
  r.success = n % 7 != 0;
  r.status_code = r.success ? 200 : 500;
  r.response_time_ms = 100 + n % 1000;
  r.model = n % 2 == 0 ? "gpt-a" : "gpt-b";
  r.origin = "127.0.0.1";
  r.upstream = "http://upstream.example";
  r.is_streaming = n % 3 == 0;
  r.max_tokens = 256;
  r.temperature = 0.5;
  r.top_p = 0.9;
  r.message_count = 2;
  r.prompt_tokens = 10 + n % 50;
  r.completion_tokens = 20;
  r.total_tokens = *r.prompt_tokens + 20;
  r.finish_reason = r.success ? std::optional<std::string>("stop") : std::nullopt;
  r.error_type = r.success ? std::nullopt : std::optional<std::string>("server_error");
  r.time_to_first_token_ms = r.is_streaming ? std::optional<std::int64_t>(30) : std::nullopt;
  r.time_to_last_token_ms = r.is_streaming ? std::optional<std::int64_t>(90) : std::nullopt;
  r.tokens_per_second = 12.25;
  return r;
}

std::vector<dao::CompletionRequest> read_all(const std::string& db_path) {
  db::SqliteOptions options;
  options.read_only = true;
  auto connection = db::open_sqlite(db_path, options);
  EXPECT_TRUE(connection.has_value()) << connection.error().describe();
  if (!connection) return {};
  dao::CompletionRequestsReader reader(**connection);
  dao::ListQuery query{dao::TimeRange{dao::from_epoch_ms(0), dao::from_epoch_ms(INT64_MAX / 2)},
                       std::nullopt, dao::kMaxListLimit, std::nullopt,
                       dao::ListOrder::oldest_first};
  std::vector<dao::CompletionRequest> all;
  for (;;) {
    auto page = reader.list(query);
    EXPECT_TRUE(page.has_value()) << page.error().describe();
    if (!page) return all;
    for (auto& r : page->records) {
      r.id = 0;
      all.push_back(std::move(r));
    }
    if (!page->next_cursor) return all;
    query.cursor = page->next_cursor;
  }
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return condition();
}

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

ConnectionFactory sqlite_factory(const std::string& path, db::SqliteOptions options) {
  return [path, options]() { return db::open_sqlite(path, options); };
}

void Gate::pass() {
  std::unique_lock lock(mutex_);
  waiting_ = true;
  cv_.wait(lock, [&] { return open_; });
}

bool Gate::has_waiter() {
  std::lock_guard lock(mutex_);
  return waiting_;
}

void Gate::open() {
  {
    std::lock_guard lock(mutex_);
    open_ = true;
  }
  cv_.notify_all();
}

}  // namespace safemig::proxy::testing
