// The proxy's live counters (see proxy_metrics.h).
//
// Thread safety: relaxed atomics.
#include "safemig/proxy/proxy_metrics.h"

namespace safemig::proxy {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::success:
      return "success";
    case Outcome::upstream_error:
      return "upstream_error";
    case Outcome::upstream_unreachable:
      return "upstream_unreachable";
    case Outcome::upstream_timeout:
      return "upstream_timeout";
    case Outcome::upstream_protocol:
      return "upstream_bad_response";
    case Outcome::client_disconnect:
      return "client_disconnect";
    case Outcome::shutdown:
      return "proxy_shutdown";
    case Outcome::proxy_overloaded:
      return "proxy_overloaded";
    case Outcome::request_too_large:
      return "request_too_large";
  }
  return "unknown";
}

Outcome outcome_of(Failure failure, int status) {
  switch (failure) {
    case Failure::none:
      return status >= 200 && status < 300 ? Outcome::success : Outcome::upstream_error;
    case Failure::upstream_unreachable:
      return Outcome::upstream_unreachable;
    case Failure::upstream_timeout:
      return Outcome::upstream_timeout;
    case Failure::upstream_protocol:
      return Outcome::upstream_protocol;
    case Failure::client_disconnect:
    case Failure::client_timeout:  // Ended on the client's side too.
      return Outcome::client_disconnect;
    case Failure::shutdown:
      return Outcome::shutdown;
    case Failure::proxy_overloaded:
    case Failure::bodies_over_budget:
      return Outcome::proxy_overloaded;
    case Failure::request_too_large:
      return Outcome::request_too_large;
  }
  return Outcome::upstream_error;
}

void ProxyMetrics::request_finished(Outcome outcome, std::chrono::microseconds overhead) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  outcomes_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  const std::int64_t us = overhead.count() < 0 ? 0 : overhead.count();
  const double seconds = static_cast<double>(us) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kOverheadBoundsSeconds.size() && seconds > kOverheadBoundsSeconds[bucket]) {
    ++bucket;
  }
  overhead_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  overhead_sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
}

ProxyMetricsSnapshot ProxyMetrics::snapshot() const {
  ProxyMetricsSnapshot s;
  s.in_flight = in_flight_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kOutcomeCount; ++i) {
    s.outcomes[i] = outcomes_[i].load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < s.overhead_buckets.size(); ++i) {
    s.overhead_buckets[i] = overhead_buckets_[i].load(std::memory_order_relaxed);
  }
  s.overhead_sum_seconds =
      static_cast<double>(overhead_sum_us_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

}  // namespace safemig::proxy
