// Test helpers for the DAO (see dao_test_db.h).
#include "dao_test_db.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

#include "safemig/app/history.h"
#include "safemig/db/sqlite_connection.h"

namespace safemig::dao::testing {

std::unique_ptr<db::Connection> open_migrated(const std::string& path) {
  auto connection = db::open_sqlite(path);
  EXPECT_TRUE(connection.has_value()) << connection.error().describe();
  if (!connection) return nullptr;
  auto history = app::application_history();
  EXPECT_TRUE(history.has_value()) << history.error().describe();
  if (!history) return nullptr;
  for (const auto& step : history->steps()) {
    const auto result = (*connection)->execute_script(std::get<std::string>(step.up));
    EXPECT_TRUE(result.has_value()) << step.label() << ": " << result.error().describe();
  }
  return std::move(*connection);
}

CompletionRequest full_record(std::int64_t n, TimePoint timestamp) {
  CompletionRequest r;
  r.timestamp = timestamp;
  r.request_id = "req-" + std::to_string(n);
  r.success = true;
  r.status_code = 200;
  r.response_time_ms = 1234 + n;
  r.model = "gpt-test";
  r.endpoint = "responses";
  r.origin = "127.0.0.1";
  r.upstream = "http://upstream.example";
  r.is_streaming = true;
  r.max_tokens = 256;
  r.temperature = 0.7;
  r.top_p = 0.95;
  r.message_count = 3;
  r.prompt_tokens = 10 + n;
  r.completion_tokens = 20;
  r.total_tokens = 30 + n;
  r.finish_reason = "stop";
  r.error_type = std::nullopt;
  r.error_message = std::nullopt;
  r.time_to_first_token_ms = 150;
  r.time_to_last_token_ms = 1100;
  r.tokens_per_second = 21.5;
  return r;
}

std::vector<CompletionRequest> sample_records(std::size_t count, TimePoint start,
                                              std::int64_t span_ms, std::uint32_t seed) {
  // Taken in turn rather than drawn, so that the other fields are the same for every seed as
  // before endpoints were recorded.
  static constexpr std::array<const char*, 4> kSampleEndpoints = {"chat/completions", "completions",
                                                                  "responses", "embeddings"};
  std::mt19937 rng(seed);
  const std::vector<std::string> models = {"gpt-a", "gpt-b", "llama-c"};
  const std::vector<std::string> errors = {"rate_limit", "server_error", "timeout"};
  std::vector<CompletionRequest> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    CompletionRequest r;
    r.timestamp = start + std::chrono::milliseconds(
                              std::uniform_int_distribution<std::int64_t>(0, span_ms - 1)(rng));
    r.request_id = "s" + std::to_string(seed) + "-" + std::to_string(i);
    r.model = models[rng() % models.size()];
    r.endpoint = kSampleEndpoints[i % kSampleEndpoints.size()];
    r.is_streaming = rng() % 2 == 0;
    r.success = rng() % 5 != 0;
    r.response_time_ms =
        std::uniform_int_distribution<std::int64_t>(0, 150000)(rng) >> (rng() % 12);
    if (r.success) {
      r.status_code = 200;
      r.finish_reason = rng() % 4 == 0 ? "length" : "stop";
      if (rng() % 6 != 0) {
        r.prompt_tokens = static_cast<std::int64_t>(rng() % 2000);
        r.completion_tokens = static_cast<std::int64_t>(rng() % 1000);
        r.total_tokens = *r.prompt_tokens + *r.completion_tokens;
      }
      if (r.is_streaming) {
        r.time_to_first_token_ms = r.response_time_ms / (1 + static_cast<std::int64_t>(rng() % 8));
        r.time_to_last_token_ms = r.response_time_ms;
      }
    } else {
      const std::size_t e = rng() % errors.size();
      r.error_type = errors[e];
      r.error_message = "upstream said no";
      if (e != 2) r.status_code = e == 0 ? 429 : 500;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace safemig::dao::testing
