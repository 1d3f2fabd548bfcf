// The proxy's Recorder: sustained rows per second against the raw SQLite insert rate, and what
// a stalled database does to the latency of submit() (goal: nothing).
//
// Every measurement runs in this one process on a fresh copy of an empty database at the
// application's latest schema version (built once by SafeMigrationManager), WAL with
// synchronous=NORMAL as the proxy opens it. The recorder runs as metrics-proxy runs it: default
// RecorderOptions (queue of 65536 records, batches of up to 512 rows, 50 ms batch delay), the
// connection factory of proxy/main.cpp (busy_timeout 5 s), the database's writer lock held.
// Rows are bench_support's synthetic requests.
//
// (a) Throughput. Producer threads submit N pre-generated rows; the clock runs from the first
//     submit() until stats() count every row committed (rows_written + rows_replayed = N). Then
//     flush_and_stop() runs and the table is counted. Two producer behaviours:
//       paced     a producer waits while the queue is at least half full, so nothing overflows:
//                 the writer thread's sustained rate. This is the headline number.
//       flat_out  producers never wait: whatever does not fit in the queue goes through the
//                 spill journal and its replay (the overload path; spilled rows are reported).
// (b) Anchor. The raw SQLite C API inserts the same rows with writer_insert_bench.cpp's INSERT,
//     prepared once, in BEGIN IMMEDIATE ... COMMIT transactions of the mean size the paced
//     recorder's group commit reached; and one row per transaction, on a prefix of the rows, for
//     reference. CompletionRequestsWriter::insert_batch at the same transaction size separates
//     the DAO's share (the rollup upkeep) from the recorder's.
// (c) Stall. Producers submit at a fixed total rate. After a warm-up another connection takes
//     BEGIN EXCLUSIVE, holds it for the stall duration and commits. Each submit() call is timed
//     and summarised by phase: before the stall, during it, while the writer catches up with the
//     backlog (draining), and after that. When the producers stop, flush_and_stop() runs and the
//     table is counted: every kept row must be there exactly once (none stored under a renamed
//     duplicate id) and the day rollups must count the same rows.
//
// Rates are rows per wall-clock second. Nothing here asserts on time; it reports. The run exits
// with status 3 when a row is missing, dropped or duplicated, since its numbers then mean
// nothing.
//
// Output: a readable summary on stdout, JSON with --json PATH, the recorder's log on stderr.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "raw_insert.h"
#include "safemig/app/history.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/dao/rollup_layout.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"
#include "safemig/proxy/recorder.h"

namespace safemig::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// As writer_insert_bench.cpp: 50 requests per second, so a batch spans as many rollup minutes as
// the proxy's group commit would.
constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kSpacingMs = 20;

struct Config {
  std::size_t rows = 200'000;
  int producers = 2;
  int repeat = 3;
  std::size_t single_rows = 20'000;
  std::vector<int> stall_ms{3000, 8000};
  double stall_rate = 2000;
  int stall_producers = 4;
  int before_ms = 2000;
  int after_ms = 4000;
  std::string json_path;
};

// --- Raw SQLite C API ---------------------------------------------------------------------------

class RawDb {
 public:
  explicit RawDb(const std::string& path, int flags = SQLITE_OPEN_READWRITE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      fail("open " + path);
    }
    sqlite3_busy_timeout(db_, 30'000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  sqlite3* get() const { return db_; }

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
  }
  void check(int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) fail(what);
  }
  [[noreturn]] void fail(const std::string& what) {
    die(what, Error(ErrorCode::internal, db_ != nullptr ? sqlite3_errmsg(db_) : "no handle"));
  }

 private:
  sqlite3* db_ = nullptr;
};

// Seconds to insert `records` in transactions of `batch` rows (the last one may be shorter)
// through the raw C API, connection set up as writer_insert_bench.cpp's anchor.
double raw_insert(const std::string& path, std::span<const dao::CompletionRequest> records,
                  std::size_t batch) {
  RawDb db(path);
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  sqlite3_stmt* stmt = nullptr;
  db.check(sqlite3_prepare_v3(db.get(), kInsertSql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
           "prepare");
  const Clock::time_point start = Clock::now();
  for (std::size_t next = 0; next < records.size(); next += batch) {
    const std::size_t end = std::min(records.size(), next + batch);
    db.exec("BEGIN IMMEDIATE");
    for (std::size_t i = next; i < end; ++i) {
      bind_record(stmt, records[i]);
      db.check(sqlite3_step(stmt), "insert");
      sqlite3_reset(stmt);
    }
    db.exec("COMMIT");
  }
  const double seconds = seconds_between(start, Clock::now());
  sqlite3_finalize(stmt);
  return seconds;
}

// The same through CompletionRequestsWriter::insert_batch on a connection opened as the
// recorder's.
double writer_insert(const std::string& path, std::span<const dao::CompletionRequest> records,
                     std::size_t batch) {
  auto conn = must("open " + path, db::open_sqlite(path));
  auto writer = must("writer", dao::CompletionRequestsWriter::create(*conn));
  const Clock::time_point start = Clock::now();
  for (std::size_t next = 0; next < records.size(); next += batch) {
    must("insert_batch",
         writer.insert_batch(records.subspan(next, std::min(batch, records.size() - next))));
  }
  return seconds_between(start, Clock::now());
}

// What the table holds after a run.
struct TableCount {
  std::int64_t rows = 0;
  std::int64_t renamed = 0;  // Stored under a suffixed id: a duplicate write of one request.
  std::int64_t rollup_requests = 0;  // Requests counted by the day rollups.
};

std::int64_t query_int(RawDb& db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  db.check(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr), "prepare count");
  db.check(sqlite3_step(stmt), "count");
  const std::int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

TableCount count_table(const std::string& path) {
  RawDb db(path, SQLITE_OPEN_READONLY);
  TableCount count;
  count.rows = query_int(db, "SELECT count(*) FROM completion_requests");
  // The recorder renames a queued record whose id is already stored by appending '~<hex>'.
  count.renamed =
      query_int(db, "SELECT count(*) FROM completion_requests WHERE instr(request_id, '~') > 0");
  count.rollup_requests =
      query_int(db, "SELECT coalesce(sum(requests), 0) FROM " + std::string(dao::kDayRollupTable));
  return count;
}

// --- Databases and the recorder -----------------------------------------------------------------

class Databases {
 public:
  Databases() : dir_("safemig-bench-recorder"), template_(dir_.file("template.db")) {
    migrate_app(template_, app::kLatestVersion);
  }

  // A fresh copy of the empty template named `name`, with nothing of an earlier run beside it.
  std::string fresh(const std::string& name) {
    const std::string path = dir_.file(name);
    remove(path);
    std::filesystem::copy_file(template_, path);
    return path;
  }

  static void remove(const std::string& path) {
    for (const char* suffix :
         {"", "-wal", "-shm", ".writer.lock", ".recorder-spill", ".recorder-spill.replaying"}) {
      std::filesystem::remove(path + suffix);
    }
  }

 private:
  ScratchDir dir_;
  std::string template_;
};

// The recorder as metrics-proxy starts it (proxy/main.cpp), under the database's writer lock.
// Members are destroyed in reverse order: the recorder stops before the lock is released.
struct RunningRecorder {
  db::WriterLock lock;
  std::unique_ptr<proxy::Recorder> recorder;
};

RunningRecorder start_recorder(const std::string& path) {
  auto lock = must("writer lock", db::WriterLock::acquire(path, "bench_recorder"));
  proxy::RecorderOptions options;
  options.spill_path = proxy::Recorder::default_spill_path(path);
  options.connect = [path] {
    db::SqliteOptions sqlite;
    sqlite.create = false;
    return db::open_sqlite(path, sqlite);
  };
  auto recorder = must("start the recorder", proxy::Recorder::start(std::move(options)));
  return RunningRecorder{std::move(lock), std::move(recorder)};
}

std::uint64_t committed(const proxy::RecorderStats& s) { return s.rows_written + s.rows_replayed; }

// Records whose fate is settled: committed, or lost in one of the counted ways.
std::uint64_t settled(const proxy::RecorderStats& s) {
  return committed(s) + s.rows_dropped + s.rows_dropped_invalid + s.rows_skipped_duplicate;
}

constexpr auto kSettleLimit = 600s;  // A run that has not settled by then is reported as such.

// --- (a) Throughput -----------------------------------------------------------------------------

enum class Producing { paced, flat_out };

struct ThroughputRun {
  std::size_t rows = 0;
  double submit_seconds = 0;   // First submit() until the last one returned.
  double durable_seconds = 0;  // First submit() until every row was committed.
  double stop_seconds = 0;     // flush_and_stop() afterwards.
  bool settled = false;        // Every row's fate known within kSettleLimit.
  std::uint64_t refused = 0;   // submit() returned false.
  proxy::RecorderStats stats;  // After flush_and_stop().
  TableCount table;

  double rows_per_second() const { return static_cast<double>(rows) / durable_seconds; }
  double mean_batch_rows() const {
    return stats.batches == 0
               ? 0
               : static_cast<double>(committed(stats)) / static_cast<double>(stats.batches);
  }
};

// A paced producer looks at the queue every this many records; with P producers the queue can
// exceed half its capacity by at most P times this, far below the other half.
constexpr std::size_t kPacedCheckEvery = 64;

ThroughputRun run_throughput(const std::string& path, std::span<const dao::CompletionRequest> rows,
                             int producers, Producing mode) {
  // Each producer owns a copy of a contiguous share, made before the clock starts, so submit()
  // moves records in and no copy is measured.
  std::vector<std::vector<dao::CompletionRequest>> shares(static_cast<std::size_t>(producers));
  for (std::size_t p = 0; p < shares.size(); ++p) {
    const std::size_t begin = rows.size() * p / shares.size();
    const std::size_t end = rows.size() * (p + 1) / shares.size();
    shares[p].assign(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                     rows.begin() + static_cast<std::ptrdiff_t>(end));
  }

  RunningRecorder running = start_recorder(path);
  proxy::Recorder& recorder = *running.recorder;
  const std::size_t half_queue = recorder.stats().queue_capacity / 2;
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> refused{0};
  std::vector<std::thread> threads;
  for (auto& share : shares) {
    threads.emplace_back([&, mode] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t mine = 0;
      for (std::size_t i = 0; i < share.size(); ++i) {
        if (mode == Producing::paced && i % kPacedCheckEvery == 0) {
          while (recorder.stats().queue_depth >= half_queue) std::this_thread::sleep_for(100us);
        }
        if (!recorder.submit(std::move(share[i]))) ++mine;
      }
      refused.fetch_add(mine);
    });
  }
  const Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  ThroughputRun run;
  run.rows = rows.size();
  run.submit_seconds = seconds_between(start, Clock::now());
  while (settled(recorder.stats()) < rows.size() && Clock::now() - start < kSettleLimit) {
    std::this_thread::sleep_for(1ms);
  }
  const Clock::time_point durable = Clock::now();
  run.durable_seconds = seconds_between(start, durable);
  run.settled = settled(recorder.stats()) >= rows.size();
  must("flush_and_stop", recorder.flush_and_stop(60s));
  run.stop_seconds = seconds_between(durable, Clock::now());
  run.refused = refused.load();
  run.stats = recorder.stats();
  running.recorder.reset();
  run.table = count_table(path);
  return run;
}

// --- (c) Stall ----------------------------------------------------------------------------------

struct LatencySummary {
  std::size_t calls = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

LatencySummary summarize(std::vector<std::int64_t> ns) {
  LatencySummary s;
  s.calls = ns.size();
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  const auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[std::clamp<std::size_t>(rank, 1, ns.size()) - 1]) / 1000.0;
  };
  s.p50_us = at(0.50);
  s.p99_us = at(0.99);
  s.p999_us = at(0.999);
  s.max_us = static_cast<double>(ns.back()) / 1000.0;
  double sum = 0;
  for (const std::int64_t v : ns) sum += static_cast<double>(v);
  s.mean_us = sum / static_cast<double>(ns.size()) / 1000.0;
  return s;
}

// Draining: from the COMMIT that ends the stall until every row kept by then is committed.
enum Phase : int { kBefore = 0, kStalled = 1, kDraining = 2, kAfter = 3, kPhases = 4 };
constexpr const char* kPhaseNames[kPhases] = {"before", "stalled", "draining", "after"};

struct StallRun {
  int stall_ms = 0;
  double acquire_ms = 0;  // BEGIN EXCLUSIVE waiting for the recorder's transaction, if any.
  double hold_ms = 0;     // The exclusive lock held, BEGIN EXCLUSIVE returned to COMMIT returned.
  std::array<LatencySummary, kPhases> latency;
  LatencySummary unstalled;   // before + after (draining excluded).
  std::uint64_t kept = 0;     // submit() returned true.
  std::uint64_t refused = 0;  // submit() returned false.
  std::uint64_t late = 0;     // Calls started more than 1 ms after their slot (producer noise).
  std::size_t max_queue_depth = 0;
  double unavailable_seconds = 0;  // Time stats() showed the database unavailable once opened.
  double catch_up_seconds = -1;    // COMMIT until every row kept by then was committed.
  double stop_seconds = 0;
  proxy::RecorderStats stats;  // After flush_and_stop().
  TableCount table;
};

StallRun run_stall(const std::string& path, const Config& config, int stall_ms) {
  const auto before = std::chrono::milliseconds(config.before_ms);
  const auto total = before + std::chrono::milliseconds(stall_ms + config.after_ms);
  const auto producers = static_cast<std::size_t>(config.stall_producers);
  const double per_producer_rate = config.stall_rate / static_cast<double>(producers);
  const auto interval =
      std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / per_producer_rate));
  const auto per_producer = static_cast<std::size_t>(std::ceil(
                                per_producer_rate * std::chrono::duration<double>(total).count())) +
                            1;
  // Shares of fresh rows, generated before the run so producers only move them in.
  std::vector<std::vector<dao::CompletionRequest>> shares;
  for (std::size_t p = 0; p < producers; ++p) {
    shares.push_back(synthetic_requests(
        static_cast<std::int64_t>(p * per_producer), per_producer,
        kStartMs + static_cast<std::int64_t>(p * per_producer) * kSpacingMs, kSpacingMs));
  }

  RawDb staller(path);  // Opened up front; idle (no transaction) until the stall.
  RunningRecorder running = start_recorder(path);
  proxy::Recorder& recorder = *running.recorder;

  std::atomic<int> phase{kBefore};
  std::atomic<bool> producing{true};
  std::atomic<std::uint64_t> kept_at_commit{0};
  std::atomic<std::int64_t> commit_ns{0};  // steady_clock time of the COMMIT, 0 before it.
  std::vector<std::array<std::vector<std::int64_t>, kPhases>> samples(producers);
  std::vector<std::uint64_t> refused(producers, 0), late(producers, 0);
  const Clock::time_point start = Clock::now() + 50ms;  // Every thread is up by then.
  const Clock::time_point end = start + total;

  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (auto& s : samples[p]) s.reserve(per_producer);
      // Producers are staggered within one interval so that the total rate is even.
      Clock::time_point slot =
          start + interval * static_cast<std::int64_t>(p) / static_cast<std::int64_t>(producers);
      for (auto& record : shares[p]) {
        if (slot >= end) break;
        std::this_thread::sleep_until(slot);
        const int now_phase = phase.load(std::memory_order_relaxed);
        const Clock::time_point t0 = Clock::now();
        const bool ok = recorder.submit(std::move(record));
        const Clock::time_point t1 = Clock::now();
        samples[p][static_cast<std::size_t>(now_phase)].push_back((t1 - t0).count());
        if (!ok) ++refused[p];
        if (t0 - slot > 1ms) ++late[p];
        slot += interval;
      }
    });
  }

  StallRun run;
  run.stall_ms = stall_ms;
  std::thread monitor([&] {
    Clock::time_point last = Clock::now();
    // The writer opens its connection with the first batch: unavailability counts from then on.
    bool opened = false;
    while (producing.load()) {
      std::this_thread::sleep_for(2ms);
      const proxy::RecorderStats s = recorder.stats();
      const Clock::time_point now = Clock::now();
      run.max_queue_depth = std::max(run.max_queue_depth, s.queue_depth);
      opened = opened || s.database_available;
      if (opened && !s.database_available) run.unavailable_seconds += seconds_between(last, now);
      last = now;
      const std::uint64_t target = kept_at_commit.load();
      if (run.catch_up_seconds < 0 && target > 0 && committed(s) >= target) {
        phase.store(kAfter);
        run.catch_up_seconds =
            std::chrono::duration<double>(now.time_since_epoch() -
                                          std::chrono::nanoseconds(commit_ns.load()))
                .count();
      }
    }
  });

  std::this_thread::sleep_until(start + before);
  const Clock::time_point asked = Clock::now();
  staller.exec("BEGIN EXCLUSIVE");
  const Clock::time_point held = Clock::now();
  phase.store(kStalled);
  std::this_thread::sleep_until(held + std::chrono::milliseconds(stall_ms));
  staller.exec("COMMIT");
  const Clock::time_point released = Clock::now();
  phase.store(kDraining);
  commit_ns.store(released.time_since_epoch().count());
  kept_at_commit.store(recorder.stats().rows_submitted);
  run.acquire_ms = seconds_between(asked, held) * 1e3;
  run.hold_ms = seconds_between(held, released) * 1e3;

  for (auto& t : threads) t.join();
  // Catching up after the producers stop still counts: wait until everything kept has settled.
  const std::uint64_t kept_total = recorder.stats().rows_submitted;
  while (settled(recorder.stats()) < kept_total && Clock::now() - end < kSettleLimit) {
    std::this_thread::sleep_for(2ms);
  }
  producing.store(false);
  monitor.join();
  const Clock::time_point stopping = Clock::now();
  must("flush_and_stop", recorder.flush_and_stop(60s));
  run.stop_seconds = seconds_between(stopping, Clock::now());
  run.stats = recorder.stats();
  running.recorder.reset();
  run.table = count_table(path);

  std::vector<std::int64_t> unstalled;
  for (int ph = 0; ph < kPhases; ++ph) {
    std::vector<std::int64_t> all;
    for (auto& s : samples) {
      all.insert(all.end(), s[static_cast<std::size_t>(ph)].begin(),
                 s[static_cast<std::size_t>(ph)].end());
    }
    if (ph == kBefore || ph == kAfter) unstalled.insert(unstalled.end(), all.begin(), all.end());
    run.latency[static_cast<std::size_t>(ph)] = summarize(std::move(all));
  }
  run.unstalled = summarize(std::move(unstalled));
  for (std::size_t p = 0; p < producers; ++p) {
    run.refused += refused[p];
    run.late += late[p];
  }
  for (const auto& l : run.latency) run.kept += l.calls;
  run.kept -= run.refused;
  return run;
}

// --- Output -------------------------------------------------------------------------------------

// A minimal JSON writer for numbers, booleans and short strings.
class Json {
 public:
  Json& open(std::string_view key = {}) { return start(key, '{'); }
  Json& open_array(std::string_view key = {}) { return start(key, '['); }
  Json& close() { return finish('}'); }
  Json& close_array() { return finish(']'); }
  Json& number(std::string_view key, double v) {
    separate(key);
    if (!std::isfinite(v)) {
      out_ += "null";
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.10g", v);
      out_ += buffer;
    }
    return *this;
  }
  Json& integer(std::string_view key, std::uint64_t v) {
    separate(key);
    out_ += std::to_string(v);
    return *this;
  }
  Json& boolean(std::string_view key, bool v) {
    separate(key);
    out_ += v ? "true" : "false";
    return *this;
  }
  Json& text(std::string_view key, std::string_view v) {
    separate(key);
    quote(v);
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  Json& start(std::string_view key, char bracket) {
    separate(key);
    out_ += bracket;
    first_.push_back(true);
    return *this;
  }
  Json& finish(char bracket) {
    out_ += bracket;
    first_.pop_back();
    return *this;
  }
  void separate(std::string_view key) {
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
    if (!key.empty()) {
      quote(key);
      out_ += ':';
    }
  }
  void quote(std::string_view v) {
    out_ += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
        out_ += buffer;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  std::string out_;
  std::vector<bool> first_;
};

void stats_json(Json& j, const proxy::RecorderStats& s) {
  j.open("recorder_stats")
      .integer("rows_submitted", s.rows_submitted)
      .integer("rows_written", s.rows_written)
      .integer("rows_replayed", s.rows_replayed)
      .integer("rows_spilled", s.rows_spilled)
      .integer("rows_dropped", s.rows_dropped)
      .integer("rows_dropped_invalid", s.rows_dropped_invalid)
      .integer("rows_skipped_duplicate", s.rows_skipped_duplicate)
      .integer("write_errors", s.write_errors)
      .integer("batches", s.batches)
      .close();
}

void table_json(Json& j, const TableCount& t) {
  j.open("table")
      .integer("rows", static_cast<std::uint64_t>(t.rows))
      .integer("renamed_rows", static_cast<std::uint64_t>(t.renamed))
      .integer("rollup_requests", static_cast<std::uint64_t>(t.rollup_requests))
      .close();
}

void latency_json(Json& j, std::string_view key, const LatencySummary& l) {
  j.open(key)
      .integer("calls", l.calls)
      .number("p50_us", l.p50_us)
      .number("p99_us", l.p99_us)
      .number("p999_us", l.p999_us)
      .number("max_us", l.max_us)
      .number("mean_us", l.mean_us)
      .close();
}

// A run is sound when every row submitted was kept and is in the table exactly once, and the
// day rollups count the same rows.
bool sound(const proxy::RecorderStats& s, std::uint64_t expected, const TableCount& t,
           std::uint64_t refused) {
  return refused == 0 && s.rows_dropped == 0 && s.rows_dropped_invalid == 0 &&
         s.rows_skipped_duplicate == 0 && s.rows_submitted == expected &&
         t.rows == static_cast<std::int64_t>(expected) && t.renamed == 0 &&
         t.rollup_requests == t.rows;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Repetition {
  ThroughputRun paced;
  ThroughputRun flat_out;
  std::size_t batch = 0;  // Transaction size of the anchor: the paced run's mean batch.
  double raw_seconds = 0;
  double writer_seconds = 0;
  double raw_single_seconds = 0;
  std::size_t single_rows = 0;
};

void throughput_run_json(Json& j, std::string_view key, const ThroughputRun& r) {
  j.open(key)
      .integer("rows", r.rows)
      .number("submit_seconds", r.submit_seconds)
      .number("durable_seconds", r.durable_seconds)
      .number("stop_seconds", r.stop_seconds)
      .number("rows_per_second", r.rows_per_second())
      .number("mean_batch_rows", r.mean_batch_rows())
      .boolean("settled", r.settled)
      .integer("refused", r.refused);
  stats_json(j, r.stats);
  table_json(j, r.table);
  j.close();
}

int run(const Config& config) {
  // The recorder logs through spdlog's default logger; keep stdout for the summary.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("bench_recorder"));
  spdlog::set_level(spdlog::level::info);

  Databases databases;
  bool all_sound = true;
  const std::vector<dao::CompletionRequest> rows =
      synthetic_requests(0, config.rows, kStartMs, kSpacingMs);
  const std::span<const dao::CompletionRequest> all_rows(rows);

  std::vector<Repetition> reps;
  for (int rep = 0; rep < config.repeat; ++rep) {
    Repetition r;
    std::string path = databases.fresh("paced.db");
    r.paced = run_throughput(path, all_rows, config.producers, Producing::paced);
    Databases::remove(path);
    r.batch =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(r.paced.mean_batch_rows())));

    path = databases.fresh("raw.db");
    r.raw_seconds = raw_insert(path, all_rows, r.batch);
    Databases::remove(path);

    path = databases.fresh("writer.db");
    r.writer_seconds = writer_insert(path, all_rows, r.batch);
    Databases::remove(path);

    path = databases.fresh("flat_out.db");
    r.flat_out = run_throughput(path, all_rows, config.producers, Producing::flat_out);
    Databases::remove(path);

    r.single_rows = std::min(config.single_rows, rows.size());
    path = databases.fresh("raw_single.db");
    r.raw_single_seconds = raw_insert(path, all_rows.first(r.single_rows), 1);
    Databases::remove(path);

    for (const ThroughputRun* t : {&r.paced, &r.flat_out}) {
      if (!t->settled || !sound(t->stats, rows.size(), t->table, t->refused)) all_sound = false;
    }
    std::fprintf(stderr,
                 "throughput %d/%d: recorder paced %.0f rows/s (batch %zu), flat out %.0f rows/s "
                 "(%llu spilled), raw %.0f rows/s\n",
                 rep + 1, config.repeat, r.paced.rows_per_second(), r.batch,
                 r.flat_out.rows_per_second(),
                 static_cast<unsigned long long>(r.flat_out.stats.rows_spilled),
                 static_cast<double>(rows.size()) / r.raw_seconds);
    reps.push_back(std::move(r));
  }

  std::vector<StallRun> stalls;
  for (const int stall_ms : config.stall_ms) {
    const std::string path = databases.fresh("stall.db");
    stalls.push_back(run_stall(path, config, stall_ms));
    Databases::remove(path);
    const StallRun& s = stalls.back();
    if (!sound(s.stats, s.kept + s.refused, s.table, s.refused)) all_sound = false;
    std::fprintf(stderr, "stall %d ms: submit p99 %.1f us stalled vs %.1f us not, %llu spilled\n",
                 stall_ms, s.latency[kStalled].p99_us, s.unstalled.p99_us,
                 static_cast<unsigned long long>(s.stats.rows_spilled));
  }

  // --- Medians over the repetitions.
  const auto n = static_cast<double>(rows.size());
  std::vector<double> paced_rate, flat_rate, raw_rate, writer_rate, single_rate;
  for (const Repetition& r : reps) {
    paced_rate.push_back(r.paced.rows_per_second());
    flat_rate.push_back(r.flat_out.rows_per_second());
    raw_rate.push_back(n / r.raw_seconds);
    writer_rate.push_back(n / r.writer_seconds);
    single_rate.push_back(static_cast<double>(r.single_rows) / r.raw_single_seconds);
  }
  const double paced = median(paced_rate), flat = median(flat_rate), raw = median(raw_rate),
               writer = median(writer_rate), single = median(single_rate);

  std::printf("Recorder benchmark: %zu rows, %d producer(s), %d repetition(s); medians\n",
              rows.size(), config.producers, config.repeat);
  std::printf("  (a) recorder, paced producers   %10.0f rows/s  (mean batch %zu rows)\n", paced,
              reps.front().batch);
  std::printf("      recorder, flat out          %10.0f rows/s  (spilled %llu of %zu)\n", flat,
              static_cast<unsigned long long>(reps.front().flat_out.stats.rows_spilled),
              rows.size());
  std::printf("  (b) raw C API, same batch       %10.0f rows/s\n", raw);
  std::printf("      writer insert_batch, same   %10.0f rows/s\n", writer);
  std::printf("      raw C API, 1 row per tx     %10.0f rows/s  (%zu rows)\n", single,
              reps.front().single_rows);
  std::printf(
      "      recorder / raw              %10.2fx  (writer / raw %.2fx, recorder / writer "
      "%.2fx)\n",
      paced / raw, writer / raw, paced / writer);
  for (const Repetition& r : reps) {
    std::printf(
        "      run: paced %.0f (submit %.3f s, durable %.3f s), flat %.0f (spilled %llu, replayed "
        "%llu), raw %.0f, writer %.0f, raw/1 %.0f rows/s\n",
        r.paced.rows_per_second(), r.paced.submit_seconds, r.paced.durable_seconds,
        r.flat_out.rows_per_second(),
        static_cast<unsigned long long>(r.flat_out.stats.rows_spilled),
        static_cast<unsigned long long>(r.flat_out.stats.rows_replayed), n / r.raw_seconds,
        n / r.writer_seconds, static_cast<double>(r.single_rows) / r.raw_single_seconds);
  }
  std::printf("  (c) stall: %.0f rows/s from %d producers, %d ms before, %d ms after\n",
              config.stall_rate, config.stall_producers, config.before_ms, config.after_ms);
  for (const StallRun& s : stalls) {
    std::printf("      stall %d ms (held %.0f ms, lock acquired after %.1f ms)\n", s.stall_ms,
                s.hold_ms, s.acquire_ms);
    std::printf("        submit() us       calls      p50      p99    p99.9      max\n");
    const auto line = [](const char* name, const LatencySummary& l) {
      std::printf("        %-14s %8zu %8.2f %8.2f %8.2f %8.1f\n", name, l.calls, l.p50_us, l.p99_us,
                  l.p999_us, l.max_us);
    };
    for (int ph = 0; ph < kPhases; ++ph)
      line(kPhaseNames[ph], s.latency[static_cast<std::size_t>(ph)]);
    line("not stalled", s.unstalled);
    std::printf(
        "        kept %llu, refused %llu, spilled %llu, replayed %llu, dropped %llu, write errors "
        "%llu, max queue %zu, db unavailable %.2f s, caught up %.2f s after COMMIT, late calls "
        "%llu\n",
        static_cast<unsigned long long>(s.kept), static_cast<unsigned long long>(s.refused),
        static_cast<unsigned long long>(s.stats.rows_spilled),
        static_cast<unsigned long long>(s.stats.rows_replayed),
        static_cast<unsigned long long>(s.stats.rows_dropped),
        static_cast<unsigned long long>(s.stats.write_errors), s.max_queue_depth,
        s.unavailable_seconds, s.catch_up_seconds, static_cast<unsigned long long>(s.late));
    std::printf("        table rows %lld of %llu kept (renamed %lld, rollups count %lld)\n",
                static_cast<long long>(s.table.rows), static_cast<unsigned long long>(s.kept),
                static_cast<long long>(s.table.renamed),
                static_cast<long long>(s.table.rollup_requests));
  }
  std::printf("  every row accounted for: %s\n", all_sound ? "yes" : "NO");

  if (!config.json_path.empty()) {
    Json j;
    j.open()
        .text("benchmark", "recorder")
        .integer("rows", rows.size())
        .integer("producers", static_cast<std::uint64_t>(config.producers))
        .integer("repeat", static_cast<std::uint64_t>(config.repeat))
        .boolean("all_rows_accounted_for", all_sound);
    j.open("medians")
        .number("recorder_paced_rows_per_second", paced)
        .number("recorder_flat_out_rows_per_second", flat)
        .number("raw_rows_per_second", raw)
        .number("writer_rows_per_second", writer)
        .number("raw_single_row_tx_rows_per_second", single)
        .number("recorder_over_raw", paced / raw)
        .number("writer_over_raw", writer / raw)
        .number("recorder_over_writer", paced / writer)
        .close();
    j.open_array("throughput");
    for (const Repetition& r : reps) {
      j.open()
          .integer("anchor_batch_rows", r.batch)
          .number("raw_rows_per_second", n / r.raw_seconds)
          .number("writer_rows_per_second", n / r.writer_seconds)
          .integer("raw_single_rows", r.single_rows)
          .number("raw_single_row_tx_rows_per_second",
                  static_cast<double>(r.single_rows) / r.raw_single_seconds);
      throughput_run_json(j, "recorder_paced", r.paced);
      throughput_run_json(j, "recorder_flat_out", r.flat_out);
      j.close();
    }
    j.close_array();
    j.open("stall_config")
        .number("rate_rows_per_second", config.stall_rate)
        .integer("producers", static_cast<std::uint64_t>(config.stall_producers))
        .integer("before_ms", static_cast<std::uint64_t>(config.before_ms))
        .integer("after_ms", static_cast<std::uint64_t>(config.after_ms))
        .close();
    j.open_array("stalls");
    for (const StallRun& s : stalls) {
      j.open()
          .integer("stall_ms", static_cast<std::uint64_t>(s.stall_ms))
          .number("hold_ms", s.hold_ms)
          .number("acquire_ms", s.acquire_ms);
      for (int ph = 0; ph < kPhases; ++ph) {
        latency_json(j, std::string("submit_") + kPhaseNames[ph],
                     s.latency[static_cast<std::size_t>(ph)]);
      }
      latency_json(j, "submit_not_stalled", s.unstalled);
      j.integer("kept", s.kept)
          .integer("refused", s.refused)
          .integer("late_calls", s.late)
          .integer("max_queue_depth", s.max_queue_depth)
          .number("database_unavailable_seconds", s.unavailable_seconds)
          .number("catch_up_seconds", s.catch_up_seconds)
          .number("stop_seconds", s.stop_seconds);
      stats_json(j, s.stats);
      table_json(j, s.table);
      j.close();
    }
    j.close_array();
    j.close();
    std::ofstream out(config.json_path);
    out << j.str() << "\n";
    if (!out) {
      die("write " + config.json_path, Error(ErrorCode::io, "cannot write the JSON file"));
    }
  }
  return all_sound ? 0 : 3;
}

}  // namespace
}  // namespace safemig::bench

int main(int argc, char** argv) {
  safemig::bench::Config config;
  config.rows = static_cast<std::size_t>(safemig::bench::env_int(
      "SAFEMIG_BENCH_RECORDER_ROWS", static_cast<std::int64_t>(config.rows)));
  CLI::App app{
      "Recorder throughput against the raw SQLite C API, and submit() latency while "
      "the database is stalled"};
  app.add_option("--rows", config.rows, "rows per throughput run (env SAFEMIG_BENCH_RECORDER_ROWS)")
      ->check(CLI::PositiveNumber);
  app.add_option("--producers", config.producers, "producer threads of the throughput runs")
      ->check(CLI::PositiveNumber);
  app.add_option("--repeat", config.repeat, "repetitions of the throughput runs (medians shown)")
      ->check(CLI::PositiveNumber);
  app.add_option("--single-rows", config.single_rows, "rows of the one-row-per-transaction anchor")
      ->check(CLI::PositiveNumber);
  app.add_option("--stall-ms", config.stall_ms, "stall durations, one stall run each")
      ->check(CLI::PositiveNumber);
  app.add_option("--stall-rate", config.stall_rate, "total submit rate during stall runs, rows/s")
      ->check(CLI::PositiveNumber);
  app.add_option("--stall-producers", config.stall_producers, "producer threads of stall runs")
      ->check(CLI::PositiveNumber);
  app.add_option("--before-ms", config.before_ms, "submitting before the stall, ms")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--after-ms", config.after_ms, "submitting after the stall, ms")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", config.json_path, "write the results as JSON to this file");
  CLI11_PARSE(app, argc, argv);
  return safemig::bench::run(config);
}
