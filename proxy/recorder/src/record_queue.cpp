// RecordQueue (see record_queue.h).
//
// Thread safety: records_ and closed_ are guarded by mutex_; size_ and closed_flag_ mirror them
// for readers that must not take the mutex.
#include "record_queue.h"

#include <algorithm>
#include <iterator>

namespace safemig::proxy::internal {

RecordQueue::PushResult RecordQueue::push(dao::CompletionRequest&& record) {
  std::size_t size = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return PushResult::closed;
    if (records_.size() >= capacity_) return PushResult::full;
    records_.push_back(std::move(record));
    size = records_.size();
    size_.store(size, std::memory_order_relaxed);
  }
  if (size == 1 || size == batch_rows_) ready_.notify_one();
  return PushResult::queued;
}

std::vector<dao::CompletionRequest> RecordQueue::pop_batch(std::chrono::milliseconds max_delay,
                                                           SteadyTime wake_at) {
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, wake_at, [&] { return closed_ || !records_.empty(); });
  if (records_.empty()) return {};
  if (!closed_ && records_.size() < batch_rows_) {
    const SteadyTime deadline = std::min(wake_at, std::chrono::steady_clock::now() + max_delay);
    ready_.wait_until(lock, deadline, [&] { return closed_ || records_.size() >= batch_rows_; });
  }
  return take_locked();
}

std::vector<dao::CompletionRequest> RecordQueue::take_locked() {
  const std::size_t n = std::min(batch_rows_, records_.size());
  std::vector<dao::CompletionRequest> batch;
  batch.reserve(n);
  const auto end = records_.begin() + static_cast<std::ptrdiff_t>(n);
  std::move(records_.begin(), end, std::back_inserter(batch));
  records_.erase(records_.begin(), end);
  size_.store(records_.size(), std::memory_order_relaxed);
  return batch;
}

void RecordQueue::wait_closed_until(SteadyTime until) {
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, until, [&] { return closed_; });
}

void RecordQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    closed_flag_.store(true, std::memory_order_release);
  }
  ready_.notify_all();
}

}  // namespace safemig::proxy::internal
