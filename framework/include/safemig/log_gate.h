// LogGate: lets one log message through per period, so a failure repeated on every request or
// retry (a full disk, a dropped record, a failing accept) is logged at most once per second
// instead of flooding.
//
// Thread safety: allow() may be called from any thread (one atomic compare-and-swap).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace safemig {

class LogGate {
 public:
  explicit LogGate(std::chrono::milliseconds period = std::chrono::milliseconds(1000))
      : period_ns_(std::chrono::nanoseconds(period).count()) {}

  // True for the first call of each period; the caller logs only then. Also returns how many
  // calls were refused since the last allowed one through `suppressed`.
  bool allow(std::uint64_t& suppressed) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t next = next_ns_.load(std::memory_order_relaxed);
    if (now < next || !next_ns_.compare_exchange_strong(next, now + period_ns_)) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    suppressed = refused_.exchange(0, std::memory_order_relaxed);
    return true;
  }

 private:
  std::int64_t period_ns_;
  std::atomic<std::int64_t> next_ns_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace safemig
