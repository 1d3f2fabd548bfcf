// ProxyMetrics: the proxy's own live counters for `/metrics` — forwarded requests in flight,
// their outcomes, and the latency the proxy adds (`llm_proxy_overhead_seconds`: a request's
// whole duration minus the time spent waiting for the upstream).
//
// Thread safety: every member function may be called from any thread (relaxed atomics; a
// snapshot is not one instant).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "safemig/proxy/failure.h"

namespace safemig::proxy {

// Upper bounds (seconds) of the overhead histogram; the last, implicit bucket is +Inf.
inline constexpr std::array<double, 12> kOverheadBoundsSeconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};

// How a forwarded request ended, for llm_proxy_forwarded_total{outcome}.
enum class Outcome {
  success,         // An upstream response with a 2xx status, relayed whole.
  upstream_error,  // An upstream response with another status, relayed whole.
  upstream_unreachable,
  upstream_timeout,
  upstream_protocol,
  client_disconnect,
  shutdown,
  proxy_overloaded,
  request_too_large,  // Refused (413) before forwarding.
};
inline constexpr std::size_t kOutcomeCount = 9;
std::string_view to_string(Outcome outcome);
// The outcome of a request that ended with `failure` (none: by the upstream `status`).
Outcome outcome_of(Failure failure, int status);

struct ProxyMetricsSnapshot {
  std::int64_t in_flight = 0;
  std::array<std::uint64_t, kOutcomeCount> outcomes{};
  // Per bucket, NOT cumulative; the last entry is the +Inf bucket.
  std::array<std::uint64_t, kOverheadBoundsSeconds.size() + 1> overhead_buckets{};
  double overhead_sum_seconds = 0;
};

class ProxyMetrics {
 public:
  void request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  // A forwarded request ended with `outcome`, having added `overhead` to the upstream's time.
  void request_finished(Outcome outcome, std::chrono::microseconds overhead);
  ProxyMetricsSnapshot snapshot() const;

 private:
  std::atomic<std::int64_t> in_flight_{0};
  std::array<std::atomic<std::uint64_t>, kOutcomeCount> outcomes_{};
  std::array<std::atomic<std::uint64_t>, kOverheadBoundsSeconds.size() + 1> overhead_buckets_{};
  std::atomic<std::uint64_t> overhead_sum_us_{0};
};

}  // namespace safemig::proxy
