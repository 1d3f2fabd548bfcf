// Shared set-up of the in-process benchmarks (see bench_support.h).
#include "bench_support.h"

#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include "safemig/app/history.h"
#include "safemig/migrate/safe_migration_manager.h"

namespace safemig::bench {

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  std::int64_t value = 0;
  const std::string_view s(text);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value <= 0) {
    std::fprintf(stderr, "%s must be a positive integer, got '%s'\n", name, text);
    std::exit(2);
  }
  return value;
}

void die(std::string_view what, const Error& error) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.describe().c_str());
  std::exit(1);
}

ScratchDir::ScratchDir(std::string_view prefix) {
  const char* base = std::getenv("SAFEMIG_BENCH_TMP");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" +
                        std::string(prefix) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    die("scratch directory", Error(ErrorCode::io, "mkdtemp failed for " + pattern));
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<dao::CompletionRequest> synthetic_requests(std::int64_t first_index, std::size_t count,
                                                       std::int64_t start_ms,
                                                       std::int64_t spacing_ms) {
  static constexpr std::array<const char*, 4> kModels = {"gpt-4o", "gpt-4o-mini", "llama-3-70b",
                                                         "claude-3-haiku"};
  static constexpr std::array<const char*, 3> kErrorTypes = {"rate_limit", "upstream_error",
                                                             "timeout"};
  static constexpr std::array<std::int64_t, 3> kErrorStatus = {429, 502, 504};
  std::vector<dao::CompletionRequest> out;
  out.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const std::int64_t i = first_index + static_cast<std::int64_t>(k);
    // A multiplicative hash gives each row varied but reproducible values.
    const auto h = static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
    const auto r = [h](unsigned shift, std::uint64_t mod) {
      return static_cast<std::int64_t>((h >> shift) % mod);
    };
    dao::CompletionRequest q;
    q.timestamp = dao::from_epoch_ms(start_ms + static_cast<std::int64_t>(k) * spacing_ms);
    q.request_id = "bench-" + std::to_string(i);
    q.success = r(7, 100) >= 5;
    q.model = kModels[static_cast<std::size_t>(i) % kModels.size()];
    q.origin = "10.0.0." + std::to_string(r(13, 250));
    q.upstream = "https://api.example.com/v1";
    q.is_streaming = r(17, 2) == 1;
    q.max_tokens = 1024;
    q.temperature = 0.7;
    q.top_p = 1.0;
    q.message_count = 1 + r(19, 12);
    q.response_time_ms = 50 + r(23, 4000);
    if (q.success) {
      q.status_code = 200;
      q.prompt_tokens = 10 + r(29, 2000);
      q.completion_tokens = 1 + r(31, 800);
      q.total_tokens = *q.prompt_tokens + *q.completion_tokens;
      q.finish_reason = r(37, 10) == 0 ? "length" : "stop";
      if (q.is_streaming) {
        q.time_to_first_token_ms = 20 + r(41, 500);
        q.time_to_last_token_ms = *q.time_to_first_token_ms + r(43, 3000);
        q.tokens_per_second = static_cast<double>(*q.completion_tokens) * 1000.0 /
                              static_cast<double>(*q.time_to_last_token_ms + 1);
      }
    } else {
      const auto e = static_cast<std::size_t>(r(47, kErrorTypes.size()));
      q.status_code = kErrorStatus[e];
      q.error_type = kErrorTypes[e];
      q.error_message = "upstream returned an error";
    }
    out.push_back(std::move(q));
  }
  return out;
}

void migrate_app(const std::string& path, int version) {
  auto set = must("application history", app::application_history());
  migrate::ManagerOptions options;
  options.db_path = path;
  options.command = "safemig-bench";
  auto manager = must("open " + path, migrate::SafeMigrationManager::open(set, options));
  must("migrate " + path, manager->migrate(version));
}

void apply_app_sql(db::Connection& conn, int from, int to) {
  auto set = must("application history", app::application_history());
  for (const migrate::MigrationStep& step : set.steps()) {
    if (step.version <= from || step.version > to) continue;
    const auto* sql = std::get_if<std::string>(&step.up);
    if (sql == nullptr) {
      die(step.label(), Error(ErrorCode::invalid_input, "the step has no SQL up body"));
    }
    must(step.label(), conn.execute_script(*sql));
  }
  must("user_version", conn.execute_script("PRAGMA user_version = " + std::to_string(to)));
}

}  // namespace safemig::bench
