// /healthz and /metrics bodies (see status_endpoints.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/status_endpoints.h"

#include <boost/json/object.hpp>
#include <vector>

#include "safemig/http/prometheus.h"

namespace safemig::proxy {

namespace json = boost::json;

json::value health_body(std::int64_t schema_version, std::int64_t expected_schema_version,
                        const RecorderStats& recorder) {
  const bool degraded = !recorder.database_available || recorder.rows_dropped > 0 ||
                        recorder.write_in_progress >= kStalledWrite;
  json::object r;
  r["database_available"] = recorder.database_available;
  r["write_in_progress_ms"] = recorder.write_in_progress.count();
  r["queue_depth"] = recorder.queue_depth;
  r["queue_capacity"] = recorder.queue_capacity;
  r["rows_written"] = recorder.rows_written + recorder.rows_replayed;
  r["rows_spilled"] = recorder.rows_spilled;
  r["rows_dropped"] = recorder.rows_dropped;
  r["write_errors"] = recorder.write_errors;
  json::object body;
  body["status"] = degraded ? "degraded" : "ok";
  if (schema_version >= 0) {
    body["schema_version"] = schema_version;
  } else {
    body["schema_version"] = nullptr;
  }
  body["expected_schema_version"] = expected_schema_version;
  body["recorder"] = std::move(r);
  return body;
}

namespace {

void recorder_metrics(http::PrometheusText& out, const RecorderStats& r) {
  const http::Labels none;
  out.gauge("llm_proxy_recorder_queue_depth", "Records waiting in the recorder's queue.", none,
            static_cast<double>(r.queue_depth));
  out.gauge("llm_proxy_recorder_queue_capacity", "Bound of the recorder's queue.", none,
            static_cast<double>(r.queue_capacity));
  out.gauge("llm_proxy_recorder_database_available",
            "1 when the recorder's last database operation succeeded.", none,
            r.database_available ? 1 : 0);
  out.gauge("llm_proxy_recorder_write_in_progress_seconds",
            "How long the recorder's database write under way has run; 0 when none is.", none,
            static_cast<double>(r.write_in_progress.count()) / 1e3);
  struct Count {
    const char* name;
    const char* help;
    std::uint64_t value;
  };
  const Count counts[] = {
      {"llm_proxy_recorder_rows_submitted_total", "Records accepted by the recorder.",
       r.rows_submitted},
      {"llm_proxy_recorder_rows_written_total", "Records committed to the database from the queue.",
       r.rows_written},
      {"llm_proxy_recorder_rows_replayed_total",
       "Records committed to the database from the spill journal.", r.rows_replayed},
      {"llm_proxy_recorder_rows_spilled_total", "Records appended to the spill journal.",
       r.rows_spilled},
      {"llm_proxy_recorder_rows_dropped_total", "Records lost (neither written nor spilled).",
       r.rows_dropped},
      {"llm_proxy_recorder_rows_invalid_total", "Records the database refused as invalid.",
       r.rows_dropped_invalid},
      {"llm_proxy_recorder_rows_duplicate_total",
       "Records skipped because their request_id was already stored.", r.rows_skipped_duplicate},
      {"llm_proxy_recorder_write_errors_total",
       "Failed database opens, batches and journal operations.", r.write_errors},
      {"llm_proxy_recorder_batches_total", "Transactions committed by the recorder.", r.batches},
  };
  for (const Count& c : counts) out.counter(c.name, c.help, none, static_cast<double>(c.value));

  // The recorder's buckets are cumulative; PrometheusText wants them per bucket.
  const std::vector<double> bounds(kBatchDurationBoundsSeconds.begin(),
                                   kBatchDurationBoundsSeconds.end());
  std::vector<std::uint64_t> per_bucket;
  std::uint64_t previous = 0;
  for (const std::uint64_t cumulative : r.batch_duration_buckets) {
    per_bucket.push_back(cumulative >= previous ? cumulative - previous : 0);
    previous = std::max(previous, cumulative);
  }
  per_bucket.push_back(r.batch_duration_count >= previous ? r.batch_duration_count - previous : 0);
  out.histogram("llm_proxy_recorder_batch_duration_seconds",
                "Duration of the recorder's batch transactions.", none, bounds, per_bucket,
                r.batch_duration_sum_seconds);
}

}  // namespace

std::string render_metrics(const ProxyMetricsSnapshot& proxy, const RecorderStats& recorder) {
  http::PrometheusText out;
  const http::Labels none;
  out.gauge("llm_proxy_in_flight_requests", "Forwarded requests being served now.", none,
            static_cast<double>(proxy.in_flight));
  for (std::size_t i = 0; i < kOutcomeCount; ++i) {
    out.counter("llm_proxy_forwarded_total", "Forwarded requests by how they ended.",
                {{"outcome", std::string(to_string(static_cast<Outcome>(i)))}},
                static_cast<double>(proxy.outcomes[i]));
  }
  out.histogram(
      "llm_proxy_overhead_seconds",
      "Latency the proxy adds to a request: its duration minus the upstream's time.", none,
      std::vector<double>(kOverheadBoundsSeconds.begin(), kOverheadBoundsSeconds.end()),
      std::vector<std::uint64_t>(proxy.overhead_buckets.begin(), proxy.overhead_buckets.end()),
      proxy.overhead_sum_seconds);
  recorder_metrics(out, recorder);
  return out.text();
}

}  // namespace safemig::proxy
