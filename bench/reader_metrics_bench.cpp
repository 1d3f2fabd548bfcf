// Benchmark 4: CompletionRequestsReader::metrics(range) against the seed's approach, ten SQL
// aggregate queries over the raw table, on the same database in the same run.
//
// Data: SAFEMIG_BENCH_METRICS_ROWS rows (default 10,000,000) spread evenly over
// SAFEMIG_BENCH_METRICS_DAYS days (default 60) from 2026-01-01, shaped like the proxy's traffic
// (four models, half streaming, 5% errors). They are inserted by one SQL statement at v3 and the
// v4 rollups are then built by v4's own up SQL (its backfill), so the rollups are exactly what
// the migration produces. The database is kept at SAFEMIG_BENCH_METRICS_DB when that is set
// (reused when it already holds the right number of rows), else in a scratch directory.
//
// Both sides read through a read-only connection, as the metrics server does, over the same
// ranges: 1 day and 30 days ending 45 days into the data, not aligned to minutes (so the reader
// also reads the partial minutes at both edges from the raw table), shifted by 61.001 s per
// iteration so that successive iterations do not ask for the identical range.
//
// Reported per benchmark: mean time, p50/p95/max (ms) over the iterations, and the request count
// each side found in the first iteration's range (they must agree).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/db/sqlite_connection.h"

namespace safemig::bench {
namespace {

constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kRangeEndOffsetMs = 45 * kDayMs + 12'345;
constexpr std::int64_t kShiftMs = 61'001;

// One INSERT … SELECT producing rows like bench_support's synthetic_requests: ?1 rows, ?2 start,
// ?3 spacing (ms). Values are hashed from the row number so the data is reproducible.
constexpr const char* kGenerateSql = R"sql(
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < ?1 - 1),
r AS (
  SELECT x, (x * 2654435761) % 4294967291 AS h, ((x * 40503) % 100) >= 5 AS ok,
         (x * 7) % 2 AS streaming FROM n
)
INSERT INTO completion_requests (timestamp_ms, request_id, success, status_code,
  response_time_ms, model, origin, upstream, is_streaming, max_tokens, temperature, top_p,
  message_count, prompt_tokens, completion_tokens, total_tokens, finish_reason, error_type,
  error_message, time_to_first_token_ms, time_to_last_token_ms, tokens_per_second)
SELECT ?2 + x * ?3, printf('gen-%010d', x), ok,
  CASE WHEN ok THEN 200 WHEN h % 3 = 0 THEN 429 WHEN h % 3 = 1 THEN 502 ELSE 504 END,
  50 + h % 4000, CASE x % 4 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'gpt-4o-mini'
                            WHEN 2 THEN 'llama-3-70b' ELSE 'claude-3-haiku' END,
  '10.0.0.' || (h % 250), 'https://api.example.com/v1', streaming, 1024, 0.7, 1.0,
  1 + h % 12,
  CASE WHEN ok THEN 10 + h % 2000 END, CASE WHEN ok THEN 1 + h % 800 END,
  CASE WHEN ok THEN 11 + h % 2000 + h % 800 END,
  CASE WHEN NOT ok THEN NULL WHEN h % 10 = 0 THEN 'length' ELSE 'stop' END,
  CASE WHEN ok THEN NULL WHEN h % 3 = 0 THEN 'rate_limit' WHEN h % 3 = 1 THEN 'upstream_error'
       ELSE 'timeout' END,
  CASE WHEN ok THEN NULL ELSE 'upstream returned an error' END,
  CASE WHEN ok AND streaming THEN 20 + h % 500 END,
  CASE WHEN ok AND streaming THEN 20 + h % 500 + h % 3000 END,
  CASE WHEN ok AND streaming THEN (1 + h % 800) * 1000.0 / (21 + h % 500 + h % 3000) END
FROM r;
)sql";

// The seed's metrics: ten aggregate queries over the raw rows of [?1, ?2).
constexpr const char* kWhere =
    " FROM completion_requests WHERE timestamp_ms >= ?1 AND "
    "timestamp_ms < ?2";
const std::vector<std::string>& seed_queries() {
  static const std::vector<std::string> q = {
      std::string("SELECT count(*)") + kWhere,
      std::string("SELECT count(*)") + kWhere + " AND success = 1",
      std::string("SELECT count(*)") + kWhere + " AND success = 0",
      std::string("SELECT avg(response_time_ms)") + kWhere,
      std::string("SELECT sum(prompt_tokens), sum(completion_tokens), sum(total_tokens)") + kWhere,
      std::string("SELECT is_streaming, count(*), avg(response_time_ms)") + kWhere +
          " GROUP BY is_streaming",
      std::string("SELECT model, count(*), sum(total_tokens), avg(response_time_ms)") + kWhere +
          " GROUP BY model ORDER BY count(*) DESC",
      std::string("SELECT error_type, count(*)") + kWhere +
          " AND error_type IS NOT NULL GROUP BY error_type",
      std::string("SELECT avg(time_to_first_token_ms)") + kWhere +
          " AND time_to_first_token_ms IS NOT NULL",
      std::string("SELECT avg(time_to_last_token_ms)") + kWhere +
          " AND time_to_last_token_ms IS NOT NULL",
  };
  return q;
}

struct Shared {
  std::unique_ptr<ScratchDir> dir;
  std::string db_path;
};

std::int64_t row_count(db::Connection& conn) {
  auto n = conn.query_int("SELECT count(*) FROM completion_requests");
  return n ? *n : -1;
}

Shared& shared() {
  static Shared s = [] {
    Shared init;
    const std::int64_t rows = env_int("SAFEMIG_BENCH_METRICS_ROWS", 10'000'000);
    const std::int64_t days = env_int("SAFEMIG_BENCH_METRICS_DAYS", 60);
    const char* kept = std::getenv("SAFEMIG_BENCH_METRICS_DB");
    if (kept != nullptr && *kept != '\0') {
      init.db_path = kept;
    } else {
      init.dir = std::make_unique<ScratchDir>("safemig-bench-metrics");
      init.db_path = init.dir->file("metrics.db");
    }
    if (std::filesystem::exists(init.db_path)) {
      db::SqliteOptions ro;
      ro.read_only = true;
      auto conn = must("open " + init.db_path, db::open_sqlite(init.db_path, ro));
      if (row_count(*conn) == rows) return init;
      conn.reset();
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(init.db_path + suffix);
      }
    }
    std::fprintf(stderr, "generating %lld rows over %lld days in %s ...\n",
                 static_cast<long long>(rows), static_cast<long long>(days), init.db_path.c_str());
    const auto t0 = std::chrono::steady_clock::now();
    auto conn = must("create " + init.db_path, db::open_sqlite(init.db_path));
    apply_app_sql(*conn, 0, 3);
    must("generate", conn->execute_script("PRAGMA cache_size = -262144"));
    must("begin", conn->begin(db::TransactionMode::immediate));
    must("generate", conn->execute(kGenerateSql, {rows, kStartMs, days * kDayMs / rows}));
    must("commit", conn->commit());
    const auto t1 = std::chrono::steady_clock::now();
    must("begin", conn->begin(db::TransactionMode::immediate));
    apply_app_sql(*conn, 3, 4);
    must("commit", conn->commit());
    must("checkpoint", conn->execute_script("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;"));
    const auto t2 = std::chrono::steady_clock::now();
    using S = std::chrono::duration<double>;
    std::fprintf(stderr, "generated in %.1f s; v4 backfill in %.1f s\n", S(t1 - t0).count(),
                 S(t2 - t1).count());
    return init;
  }();
  return s;
}

dao::TimeRange range_for(std::int64_t days, std::int64_t iteration) {
  const std::int64_t end = kStartMs + kRangeEndOffsetMs + (iteration % 97) * kShiftMs;
  return dao::TimeRange{dao::from_epoch_ms(end - days * kDayMs), dao::from_epoch_ms(end)};
}

void report_latencies(benchmark::State& state, std::vector<double>& ms, std::int64_t requests) {
  std::sort(ms.begin(), ms.end());
  auto at = [&ms](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  state.counters["p50_ms"] = at(0.50);
  state.counters["p95_ms"] = at(0.95);
  state.counters["max_ms"] = ms.back();
  state.counters["requests"] = static_cast<double>(requests);
}

void BM_Reader(benchmark::State& state) {
  db::SqliteOptions ro;
  ro.read_only = true;
  auto conn = must("open", db::open_sqlite(shared().db_path, ro));
  const dao::CompletionRequestsReader reader(*conn);
  std::vector<double> ms;
  std::int64_t requests = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto m = must("metrics", reader.metrics(range_for(state.range(0), i++)));
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (i == 1) requests = m.overall.requests;
    benchmark::DoNotOptimize(m);
  }
  report_latencies(state, ms, requests);
}

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    die(what, Error(ErrorCode::internal, sqlite3_errmsg(db)));
  }
}

void BM_SeedQueries(benchmark::State& state) {
  sqlite3* db = nullptr;
  check(db,
        sqlite3_open_v2(shared().db_path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        nullptr),
        "open");
  std::vector<sqlite3_stmt*> stmts;
  for (const std::string& sql : seed_queries()) {
    sqlite3_stmt* stmt = nullptr;
    check(db, sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
          "prepare");
    stmts.push_back(stmt);
  }
  std::vector<double> ms;
  std::int64_t requests = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    const dao::TimeRange range = range_for(state.range(0), i++);
    const auto t0 = std::chrono::steady_clock::now();
    // One read transaction, as the reader's snapshot, so both sides see one consistent state.
    check(db, sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), "begin");
    std::int64_t sink = 0;
    for (sqlite3_stmt* stmt : stmts) {
      sqlite3_bind_int64(stmt, 1, dao::to_epoch_ms(range.start));
      sqlite3_bind_int64(stmt, 2, dao::to_epoch_ms(range.end));
      int rc = 0;
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) sink += sqlite3_column_int64(stmt, 0);
      check(db, rc, "seed query");
      sqlite3_reset(stmt);
    }
    check(db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "commit");
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(sink);
    if (i != 1) continue;
    sqlite3_bind_int64(stmts[0], 1, dao::to_epoch_ms(range.start));
    sqlite3_bind_int64(stmts[0], 2, dao::to_epoch_ms(range.end));
    check(db, sqlite3_step(stmts[0]), "count");
    requests = sqlite3_column_int64(stmts[0], 0);
    sqlite3_reset(stmts[0]);
  }
  for (sqlite3_stmt* stmt : stmts) sqlite3_finalize(stmt);
  sqlite3_close(db);
  report_latencies(state, ms, requests);
}

void register_all() {
  shared();
  const std::int64_t reader_iterations = env_int("SAFEMIG_BENCH_METRICS_ITERATIONS", 200);
  const std::int64_t seed_iterations = env_int("SAFEMIG_BENCH_METRICS_SEED_ITERATIONS", 3);
  for (const std::int64_t days : {1, 30}) {
    benchmark::RegisterBenchmark("metrics/reader", BM_Reader)
        ->Arg(days)
        ->Iterations(reader_iterations)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("metrics/seed_10_queries", BM_SeedQueries)
        ->Arg(days)
        ->Iterations(seed_iterations)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace safemig::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  safemig::bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
