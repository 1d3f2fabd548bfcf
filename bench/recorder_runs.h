// The runs of bench_recorder (recorder_bench.cpp, which describes them and reports them): the
// recorder's throughput with paced or flat-out producers, the raw C API and writer anchors at
// the same transaction size, and submit() latency while another connection holds the database.
//
// Every run works on a database the caller made fresh (Databases::fresh) and counts the table
// afterwards. Fatal setup errors end the process through bench_support's die().
//
// Thread safety: each run starts and joins its own threads; call them one at a time.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench_support.h"
#include "safemig/dao/completion_request.h"
#include "safemig/proxy/recorder_stats.h"

namespace safemig::bench::recorder {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to);

// As writer_insert_bench.cpp: 50 requests per second, so a batch spans as many rollup minutes as
// the proxy's group commit would.
inline constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr std::int64_t kSpacingMs = 20;

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

// Empty databases at the application's latest schema version, copied from one template.
class Databases {
 public:
  Databases();

  // A fresh copy of the empty template named `name`, with nothing of an earlier run beside it.
  std::string fresh(const std::string& name);

  // Removes the database at `path` and every file the recorder keeps beside it.
  static void remove(const std::string& path);

 private:
  ScratchDir dir_;
  std::string template_;
};

// What the table holds after a run.
struct TableCount {
  std::int64_t rows = 0;
  std::int64_t renamed = 0;  // Stored under a suffixed id: a duplicate write of one request.
  std::int64_t rollup_requests = 0;  // Requests counted by the day rollups.
};

std::uint64_t committed(const proxy::RecorderStats& s);

// --- Anchors ------------------------------------------------------------------------------------

// Seconds to insert `records` in transactions of `batch` rows (the last one may be shorter)
// through the raw C API, connection set up as writer_insert_bench.cpp's anchor.
double raw_insert(const std::string& path, std::span<const dao::CompletionRequest> records,
                  std::size_t batch);

// The same through CompletionRequestsWriter::insert_batch on a connection opened as the
// recorder's.
double writer_insert(const std::string& path, std::span<const dao::CompletionRequest> records,
                     std::size_t batch);

// --- (a) Throughput -----------------------------------------------------------------------------

enum class Producing { paced, flat_out };

struct ThroughputRun {
  std::size_t rows = 0;
  double submit_seconds = 0;   // First submit() until the last one returned.
  double durable_seconds = 0;  // First submit() until every row was committed.
  double stop_seconds = 0;     // flush_and_stop() afterwards.
  bool settled = false;        // Every row's fate known within the settle limit (600 s).
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

// `producers` threads submit `rows` (a contiguous share each) to a recorder started on `path`
// as metrics-proxy starts it.
ThroughputRun run_throughput(const std::string& path, std::span<const dao::CompletionRequest> rows,
                             int producers, Producing mode);

// --- (c) Stall ----------------------------------------------------------------------------------

struct LatencySummary {
  std::size_t calls = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

// Draining: from the COMMIT that ends the stall until every row kept by then is committed.
enum Phase : int { kBefore = 0, kStalled = 1, kDraining = 2, kAfter = 3, kPhases = 4 };
inline constexpr std::array<const char*, kPhases> kPhaseNames = {"before", "stalled", "draining",
                                                                 "after"};

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

// Producers submit at config.stall_rate for before_ms, while another connection holds
// BEGIN EXCLUSIVE for `stall_ms`, and for after_ms more; each submit() is timed by phase.
StallRun run_stall(const std::string& path, const Config& config, int stall_ms);

}  // namespace safemig::bench::recorder
