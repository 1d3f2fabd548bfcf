// RecorderCounters: the recorder's live counters, updated by submit() callers and the writer
// thread and read by stats().
//
// Thread safety: every member is an atomic updated with relaxed ordering (counters carry no
// synchronisation); any thread may update or snapshot them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "safemig/proxy/recorder_stats.h"

namespace safemig::proxy::internal {

class RecorderCounters {
 public:
  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  // Records one committed transaction that took `duration`.
  void record_batch(std::chrono::steady_clock::duration duration);

  // Bracket a database write of the writer thread (see RecorderStats::write_in_progress).
  void write_started(std::chrono::steady_clock::time_point now);
  void write_ended();

  // A snapshot; queue_depth and queue_capacity come from the queue.
  RecorderStats snapshot(std::size_t queue_depth, std::size_t queue_capacity) const;

  std::atomic<std::uint64_t> rows_submitted{0};
  std::atomic<std::uint64_t> rows_written{0};
  std::atomic<std::uint64_t> rows_replayed{0};
  std::atomic<std::uint64_t> rows_spilled{0};
  std::atomic<std::uint64_t> rows_dropped{0};
  std::atomic<std::uint64_t> rows_dropped_invalid{0};
  std::atomic<std::uint64_t> rows_skipped_duplicate{0};
  std::atomic<std::uint64_t> write_errors{0};
  std::atomic<bool> database_available{false};

 private:
  std::atomic<std::uint64_t> batches_{0};
  // steady_clock nanoseconds when the write under way started; 0 when none is.
  std::atomic<std::int64_t> write_started_ns_{0};
  std::atomic<std::int64_t> last_batch_us_{0};
  std::atomic<std::uint64_t> batch_sum_us_{0};
  // Non-cumulative: buckets_[i] counts batches in (bound[i-1], bound[i]]; the last is +Inf.
  std::array<std::atomic<std::uint64_t>, kBatchDurationBoundsSeconds.size() + 1> buckets_{};
};

}  // namespace safemig::proxy::internal
