// RecordQueue: the bounded queue between submit() callers (many producers) and the writer
// thread (one consumer).
//
// A push is O(1) under a short mutex and never waits; the consumer is woken when the first record
// arrives and when a full batch is ready, and otherwise by its own timed wait (max_batch_delay).
//
// Thread safety: push(), size() and close() from any thread; pop_batch() and wait_closed_until()
// from the one consumer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "safemig/dao/completion_request.h"

namespace safemig::proxy::internal {

using SteadyTime = std::chrono::steady_clock::time_point;

class RecordQueue {
 public:
  enum class PushResult { queued, full, closed };

  // REQUIRES: capacity > 0, batch_rows > 0.
  RecordQueue(std::size_t capacity, std::size_t batch_rows)
      : capacity_(capacity), batch_rows_(batch_rows) {}

  // Appends the record unless the queue is full or closed. `record` is moved from only when
  // the result is `queued`; otherwise the caller still owns it.
  PushResult push(dao::CompletionRequest&& record);

  // Waits until a batch is ready and returns up to batch_rows records, oldest first. A batch is
  // ready when batch_rows records are queued, or `max_delay` after the consumer saw the first
  // one, or at once when the queue is closed. Returns early (possibly empty) at `wake_at`, so the
  // consumer can do other work; returns empty when the queue is closed and drained.
  std::vector<dao::CompletionRequest> pop_batch(std::chrono::milliseconds max_delay,
                                                SteadyTime wake_at);

  // Waits until the queue is closed or `until`, whichever is first; pushes do not end the wait.
  void wait_closed_until(SteadyTime until);

  // From now on push() returns `closed`; wakes the consumer.
  void close();
  bool closed() const { return closed_flag_.load(std::memory_order_acquire); }

  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::vector<dao::CompletionRequest> take_locked();  // REQUIRES: mutex_ held.

  const std::size_t capacity_;
  const std::size_t batch_rows_;
  std::mutex mutex_;
  std::condition_variable ready_;               // Signalled under the conditions above.
  std::deque<dao::CompletionRequest> records_;  // Guarded by mutex_.
  bool closed_ = false;                         // Guarded by mutex_.
  std::atomic<bool> closed_flag_{false};        // Mirror of closed_ for lock-free reads.
  std::atomic<std::size_t> size_{0};            // Mirror of records_.size() for stats.
};

}  // namespace safemig::proxy::internal
