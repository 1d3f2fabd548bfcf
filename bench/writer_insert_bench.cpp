// Benchmark 1: CompletionRequestsWriter::insert_batch against the raw SQLite C API inserting the
// same rows, in the same run.
//
// Every variant inserts the same pre-generated records into its own copy of one database at v4
// of the application's history (built by SafeMigrationManager), one transaction (BEGIN
// IMMEDIATE … COMMIT) per batch, WAL with synchronous=NORMAL, the same INSERT statement prepared
// once. Each variant writes the same total number of rows, so every table ends the same size.
//
//   Raw          sqlite3_bind_* / sqlite3_step on the INSERT: the anchor.
//   Connection   the same INSERT through safemig's db::Connection (bound db::Value parameters,
//                statement cache) without rollups: the cost of the database layer alone.
//   Writer       CompletionRequestsWriter::insert_batch as shipped: validation, the INSERT, and
//                the upserts that keep the v4 minute/hour/day rollups and label counts current.
//
// Writer / Raw is the reported ratio; Writer − Connection is the rollup upkeep.
//
// Scale: SAFEMIG_BENCH_WRITER_ROWS rows per variant and batch size (default 200000).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_support.h"
#include "raw_insert.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/transaction.h"

namespace safemig::bench {
namespace {

// Requests arrive 20 ms apart (50 per second), so a batch spans as many rollup minutes as the
// proxy's group commit would.
constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kSpacingMs = 20;

struct Shared {
  std::unique_ptr<ScratchDir> dir;
  std::string template_db;  // Empty database at v4.
  std::vector<dao::CompletionRequest> records;
};

Shared& shared() {
  static Shared s = [] {
    Shared init;
    init.dir = std::make_unique<ScratchDir>("safemig-bench-writer");
    init.template_db = init.dir->file("template.db");
    migrate_app(init.template_db, 4);
    const auto rows = static_cast<std::size_t>(env_int("SAFEMIG_BENCH_WRITER_ROWS", 200'000));
    init.records = synthetic_requests(0, rows, kStartMs, kSpacingMs);
    return init;
  }();
  return s;
}

// A fresh copy of the v4 template for one benchmark run.
std::string fresh_database(const std::string& name) {
  Shared& s = shared();
  const std::string path = s.dir->file(name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  std::filesystem::copy_file(s.template_db, path);
  return path;
}

std::size_t batch_count(const benchmark::State& state) {
  return shared().records.size() / static_cast<std::size_t>(state.range(0));
}

void report(benchmark::State& state) {
  const auto rows = static_cast<std::int64_t>(batch_count(state)) * state.range(0);
  state.SetItemsProcessed(rows);
  state.counters["batch"] = static_cast<double>(state.range(0));
}

// --- Raw SQLite C API ---------------------------------------------------------------------------

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    die(what, Error(ErrorCode::internal, sqlite3_errmsg(db)));
  }
}

void BM_Raw(benchmark::State& state) {
  const std::string path = fresh_database("raw.db");
  sqlite3* db = nullptr;
  check(db,
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr),
        "open");
  check(db,
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                     nullptr, nullptr, nullptr),
        "pragmas");
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  check(db, sqlite3_prepare_v3(db, kInsertSql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
        "prepare");
  const auto batch = static_cast<std::size_t>(state.range(0));
  const auto& records = shared().records;
  std::size_t next = 0;
  for (auto _ : state) {
    check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), "begin");
    for (std::size_t i = next; i < next + batch; ++i) {
      bind_record(stmt, records[i]);
      check(db, sqlite3_step(stmt), "insert");
      sqlite3_reset(stmt);
    }
    check(db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "commit");
    next += batch;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  report(state);
}

// --- safemig db::Connection, no rollups ---------------------------------------------------------

void bind_values(const dao::CompletionRequest& r, std::vector<db::Value>& p) {
  p.clear();
  p.emplace_back(dao::to_epoch_ms(r.timestamp));
  p.emplace_back(r.request_id);
  p.emplace_back(db::value_of(r.success));
  p.emplace_back(db::value_of(r.status_code));
  p.emplace_back(r.response_time_ms);
  p.emplace_back(r.model);
  p.emplace_back(r.origin ? db::Value(*r.origin) : db::Value(db::Null{}));
  p.emplace_back(r.upstream ? db::Value(*r.upstream) : db::Value(db::Null{}));
  p.emplace_back(db::value_of(r.is_streaming));
  p.emplace_back(db::value_of(r.max_tokens));
  p.emplace_back(r.temperature ? db::Value(*r.temperature) : db::Value(db::Null{}));
  p.emplace_back(r.top_p ? db::Value(*r.top_p) : db::Value(db::Null{}));
  p.emplace_back(db::value_of(r.message_count));
  p.emplace_back(db::value_of(r.prompt_tokens));
  p.emplace_back(db::value_of(r.completion_tokens));
  p.emplace_back(db::value_of(r.total_tokens));
  p.emplace_back(r.finish_reason ? db::Value(*r.finish_reason) : db::Value(db::Null{}));
  p.emplace_back(r.error_type ? db::Value(*r.error_type) : db::Value(db::Null{}));
  p.emplace_back(r.error_message ? db::Value(*r.error_message) : db::Value(db::Null{}));
  p.emplace_back(db::value_of(r.time_to_first_token_ms));
  p.emplace_back(db::value_of(r.time_to_last_token_ms));
  p.emplace_back(r.tokens_per_second ? db::Value(*r.tokens_per_second) : db::Value(db::Null{}));
}

void BM_Connection(benchmark::State& state) {
  auto conn = must("open", db::open_sqlite(fresh_database("connection.db")));
  const auto batch = static_cast<std::size_t>(state.range(0));
  const auto& records = shared().records;
  std::vector<db::Value> params;
  params.reserve(22);
  std::size_t next = 0;
  for (auto _ : state) {
    auto tx = must("begin", db::Transaction::begin(*conn, db::TransactionMode::immediate));
    for (std::size_t i = next; i < next + batch; ++i) {
      bind_values(records[i], params);
      must("insert", conn->execute_params(kInsertSql, params));
    }
    must("commit", tx.commit());
    next += batch;
  }
  report(state);
}

// --- CompletionRequestsWriter as shipped --------------------------------------------------------

void BM_Writer(benchmark::State& state) {
  auto conn = must("open", db::open_sqlite(fresh_database("writer.db")));
  auto writer = must("writer", dao::CompletionRequestsWriter::create(*conn));
  const auto batch = static_cast<std::size_t>(state.range(0));
  const std::span<const dao::CompletionRequest> records(shared().records);
  std::size_t next = 0;
  for (auto _ : state) {
    must("insert_batch", writer.insert_batch(records.subspan(next, batch)));
    next += batch;
  }
  report(state);
}

void register_all() {
  const auto rows = static_cast<std::int64_t>(shared().records.size());
  for (const std::int64_t batch : {1, 10, 100, 1000}) {
    if (rows / batch < 1) continue;
    for (auto [name, fn] : {std::pair{"writer_insert/raw_c_api", &BM_Raw},
                            std::pair{"writer_insert/connection_no_rollups", &BM_Connection},
                            std::pair{"writer_insert/writer", &BM_Writer}}) {
      benchmark::RegisterBenchmark(name, fn)
          ->Arg(batch)
          ->Iterations(rows / batch)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
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
