// The state of one forwarded request (see forwarded_request.h).
//
// Thread safety: the io_context's single thread.
#include "forwarded_request.h"

#include <spdlog/spdlog.h>

namespace safemig::proxy {

using std::chrono::duration_cast;
using std::chrono::microseconds;

UpstreamFailure client_left_failure(bool head_sent) {
  return {Failure::client_disconnect,
          head_sent ? "while the response body was relayed" : "the upstream had not answered yet",
          false};
}

UpstreamFailure shutdown_failure() {
  return {Failure::shutdown, "ended by the shutdown timeout", false};
}

ForwardedRequest::ForwardedRequest(std::optional<Endpoint> recorded_as,
                                   const RecordSink& record_sink, ProxyMetrics& proxy_metrics,
                                   Clock::time_point received, ForwardedRequestList& in_progress)
    : recorded(recorded_as.has_value()),
      sink(record_sink),
      metrics(proxy_metrics),
      received_at(received) {
  if (recorded_as) exchange.endpoint = *recorded_as;
  in_progress.push_back(*this);
  metrics.request_started();
}

ForwardedRequest::~ForwardedRequest() {
  if (finished) return;
  if (exchange.failure == Failure::none) exchange.failure = Failure::shutdown;
  finish();
}

microseconds ForwardedRequest::elapsed() const {
  return duration_cast<microseconds>(Clock::now() - received_at);
}

void ForwardedRequest::fail(const UpstreamFailure& error) {
  if (aborted) {
    const UpstreamFailure cause = shutdown_failure();
    exchange.failure = cause.failure;
    exchange.failure_detail = cause.detail;
  } else if (client_left) {
    const UpstreamFailure cause = client_left_failure(head_sent);
    exchange.failure = cause.failure;
    exchange.failure_detail = cause.detail;
  } else {
    exchange.failure = error.failure;
    exchange.failure_detail = error.detail;
  }
}

void ForwardedRequest::finish() {
  finished = true;
  exchange.total = elapsed();
  metrics.request_finished(outcome_of(exchange.failure, exchange.upstream_status.value_or(0)),
                           exchange.total - upstream_time);
  if (exchange.failure != Failure::none && exchange.failure != Failure::client_disconnect) {
    spdlog::warn("forward {}: {} after {} ms ({})", path, failure_type(exchange.failure),
                 exchange.total.count() / 1000, exchange.failure_detail);
  }
  if (!recorded) return;
  dao::CompletionRequest record = build_record(exchange);
  spdlog::debug("recorded {} model={} status={} {} ms", path, record.model,
                record.status_code.value_or(0), record.response_time_ms);
  sink(std::move(record));
}

}  // namespace safemig::proxy
