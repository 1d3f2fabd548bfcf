// The bytes of request bodies a server holds at once (see body_budget.h).
//
// Thread safety: BodyBudget uses one atomic counter; a BodyReservation belongs to one session.
#include "body_budget.h"

namespace safemig::http::detail {

bool BodyBudget::try_take(std::size_t bytes) {
  if (limit_ == 0) {
    in_use_.fetch_add(bytes, std::memory_order_relaxed);
    return true;
  }
  std::size_t current = in_use_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ - current) return false;
  } while (!in_use_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  return true;
}

void BodyBudget::give_back(std::size_t bytes) {
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
}

bool BodyReservation::grow_to(std::size_t total) {
  if (total <= held_) return true;
  if (!budget_.try_take(total - held_)) return false;
  held_ = total;
  return true;
}

}  // namespace safemig::http::detail
