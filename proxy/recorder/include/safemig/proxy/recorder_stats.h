// RecorderStats: a snapshot of the recorder's counters, for `/metrics` (exposed by the proxy as
// `llm_proxy_recorder_*`) and for tests.
//
// Every count is monotonic over the recorder's life except queue_depth, database_available and
// last_batch_duration. The fields are read from independent atomics, so one snapshot is not a
// single instant: sums across fields may be off by the records in flight at that moment.
//
// Thread safety: plain value type.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace safemig::proxy {

// Upper bounds (seconds, inclusive) of the batch-duration histogram buckets; a last, implicit
// bucket is +Inf.
inline constexpr std::array<double, 12> kBatchDurationBoundsSeconds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};

struct RecorderStats {
  std::size_t queue_depth = 0;     // Records waiting in the in-memory queue now.
  std::size_t queue_capacity = 0;  // The queue's bound.
  // The writer has an open connection, and after a failure a batch has committed since (a
  // locked or full database opens fine, so an open alone does not count).
  bool database_available = false;
  // How long the database write under way has been running; 0 when none is. A write waits out
  // the connection's busy timeout when another connection holds the database's write lock, and
  // database_available stays true until it gives up, so this is what shows such a stall.
  std::chrono::milliseconds write_in_progress{0};

  std::uint64_t rows_submitted = 0;  // submit() calls that kept their record (queue or journal).
  std::uint64_t rows_written = 0;    // Committed to the database from the queue.
  std::uint64_t rows_replayed = 0;   // Committed to the database from the spill journal.
  std::uint64_t rows_spilled = 0;    // Appended to the spill journal (queue full or database down).
  // Records lost: submitted after flush_and_stop, or neither writable nor spillable, or an
  // unreadable journal line. Each loss is logged (at most once per second per cause).
  std::uint64_t rows_dropped = 0;
  std::uint64_t rows_dropped_invalid = 0;  // Refused by the database as invalid; logged.
  // Not inserted because a row with the same request_id is already committed (a replay of a
  // record whose commit had in fact succeeded, or a repeated id).
  std::uint64_t rows_skipped_duplicate = 0;

  std::uint64_t write_errors = 0;  // Failed opens, failed batches and failed journal operations.
  std::uint64_t batches = 0;       // Transactions committed (queue and replay).

  std::chrono::microseconds last_batch_duration{0};
  // Cumulative counts: batch_duration_buckets[i] = batches that took <=
  // kBatchDurationBoundsSeconds[i]; batch_duration_count is the +Inf bucket.
  std::array<std::uint64_t, kBatchDurationBoundsSeconds.size()> batch_duration_buckets{};
  std::uint64_t batch_duration_count = 0;
  double batch_duration_sum_seconds = 0;
};

}  // namespace safemig::proxy
