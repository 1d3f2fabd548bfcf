// RecorderCounters (see recorder_counters.h).
//
// Thread safety: relaxed atomics only.
#include "recorder_counters.h"

#include <algorithm>

namespace safemig::proxy::internal {

void RecorderCounters::record_batch(std::chrono::steady_clock::duration duration) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  const double seconds = static_cast<double>(us) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kBatchDurationBoundsSeconds.size() &&
         seconds > kBatchDurationBoundsSeconds[bucket]) {
    ++bucket;
  }
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  batch_sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
  last_batch_us_.store(us, std::memory_order_relaxed);
  batches_.fetch_add(1, std::memory_order_relaxed);
}

void RecorderCounters::write_started(std::chrono::steady_clock::time_point now) {
  // Never 0 for a real instant: steady_clock's epoch lies in the past.
  write_started_ns_.store(
      std::max<std::int64_t>(1, now.time_since_epoch() / std::chrono::nanoseconds(1)),
      std::memory_order_relaxed);
}

void RecorderCounters::write_ended() { write_started_ns_.store(0, std::memory_order_relaxed); }

RecorderStats RecorderCounters::snapshot(std::size_t queue_depth,
                                         std::size_t queue_capacity) const {
  constexpr auto relaxed = std::memory_order_relaxed;
  RecorderStats s;
  s.queue_depth = queue_depth;
  s.queue_capacity = queue_capacity;
  s.database_available = database_available.load(relaxed);
  if (const std::int64_t started = write_started_ns_.load(relaxed); started != 0) {
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    s.write_in_progress = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(now - std::chrono::nanoseconds(started), std::chrono::nanoseconds(0)));
  }
  s.rows_submitted = rows_submitted.load(relaxed);
  s.rows_written = rows_written.load(relaxed);
  s.rows_replayed = rows_replayed.load(relaxed);
  s.rows_spilled = rows_spilled.load(relaxed);
  s.rows_dropped = rows_dropped.load(relaxed);
  s.rows_dropped_invalid = rows_dropped_invalid.load(relaxed);
  s.rows_skipped_duplicate = rows_skipped_duplicate.load(relaxed);
  s.write_errors = write_errors.load(relaxed);
  s.batches = batches_.load(relaxed);
  s.last_batch_duration = std::chrono::microseconds(last_batch_us_.load(relaxed));
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < s.batch_duration_buckets.size(); ++i) {
    cumulative += buckets_[i].load(relaxed);
    s.batch_duration_buckets[i] = cumulative;
  }
  s.batch_duration_count = cumulative + buckets_.back().load(relaxed);
  s.batch_duration_sum_seconds = static_cast<double>(batch_sum_us_.load(relaxed)) / 1e6;
  return s;
}

}  // namespace safemig::proxy::internal
