// BodyBudget: the bytes of request bodies a server holds at once, over all its sessions, so that
// many slow clients each sending a large body cannot exhaust the memory of the process. A session
// reserves a body's bytes before it reads them (the whole Content-Length at once; a chunked body
// as its bytes arrive) and gives them back when the request has been served.
//
// Thread safety: BodyBudget is safe to share between threads (one atomic counter); a
// BodyReservation belongs to one session.
#pragma once

#include <atomic>
#include <cstddef>

namespace safemig::http::detail {

class BodyBudget {
 public:
  // `limit` bytes in all; 0 means no limit.
  explicit BodyBudget(std::size_t limit) : limit_(limit) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // Takes `bytes` from the budget. Returns false, taking nothing, when that would exceed it.
  bool try_take(std::size_t bytes);
  // Returns bytes taken with try_take.
  void give_back(std::size_t bytes);
  std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> in_use_{0};
};

// The part of a BodyBudget one request holds; given back on destruction.
class BodyReservation {
 public:
  explicit BodyReservation(BodyBudget& budget) : budget_(budget) {}
  ~BodyReservation() { budget_.give_back(held_); }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  // Holds at least `total` bytes, taking the difference from the budget. Returns false, holding
  // what it held before, when the budget has not enough left.
  bool grow_to(std::size_t total);
  std::size_t held() const { return held_; }

 private:
  BodyBudget& budget_;
  std::size_t held_ = 0;
};

}  // namespace safemig::http::detail
