// The runs of bench_recorder (see recorder_runs.h).
//
// Thread safety: each run starts and joins its own producer (and monitor) threads.
#include "recorder_runs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <memory>
#include <thread>

#include "raw_insert.h"
#include "safemig/app/history.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/dao/rollup_layout.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"
#include "safemig/proxy/recorder.h"

namespace safemig::bench::recorder {
namespace {

using namespace std::chrono_literals;

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
  options.connect = [path, wait = options.lock_wait] {
    db::SqliteOptions sqlite;
    sqlite.create = false;
    sqlite.busy_timeout = wait;
    return db::open_sqlite(path, sqlite);
  };
  auto recorder = must("start the recorder", proxy::Recorder::start(std::move(options)));
  return RunningRecorder{std::move(lock), std::move(recorder)};
}

// Records whose fate is settled: committed, or lost in one of the counted ways.
std::uint64_t settled(const proxy::RecorderStats& s) {
  return committed(s) + s.rows_dropped + s.rows_dropped_invalid + s.rows_skipped_duplicate;
}

constexpr auto kSettleLimit = 600s;  // A run that has not settled by then is reported as such.

// A paced producer looks at the queue every this many records; with P producers the queue can
// exceed half its capacity by at most P times this, far below the other half.
constexpr std::size_t kPacedCheckEvery = 64;

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

}  // namespace

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::uint64_t committed(const proxy::RecorderStats& s) { return s.rows_written + s.rows_replayed; }

Databases::Databases() : dir_("safemig-bench-recorder"), template_(dir_.file("template.db")) {
  migrate_app(template_, app::kLatestVersion);
}

std::string Databases::fresh(const std::string& name) {
  std::string path = dir_.file(name);
  remove(path);
  std::filesystem::copy_file(template_, path);
  return path;
}

void Databases::remove(const std::string& path) {
  for (const char* suffix :
       {"", "-wal", "-shm", ".writer.lock", ".recorder-spill", ".recorder-spill.replaying"}) {
    std::filesystem::remove(path + suffix);
  }
}

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
  threads.reserve(shares.size());
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

}  // namespace safemig::bench::recorder
