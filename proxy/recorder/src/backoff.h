// Backoff: the exponential delay between attempts to reach a failed database.
//
// Thread safety: none; owned by the writer thread.
#pragma once

#include <algorithm>
#include <chrono>

namespace safemig::proxy::internal {

class Backoff {
 public:
  // REQUIRES: 0 < min <= max.
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(max), next_(min) {}

  // The delay before the next attempt; each call doubles the following one, up to max.
  std::chrono::milliseconds next() {
    const std::chrono::milliseconds d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  // After a success: the next failure waits min again.
  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
};

}  // namespace safemig::proxy::internal
