// Private to safemig_proxy: the state of one forwarded request, from its arrival to its record.
//
// Whatever way the request ends — including its coroutine being destroyed by a shutdown —
// finish() runs exactly once: the metrics are updated and, for a recorded request, its record is
// handed to the sink.
//
// Thread safety: the io_context's single thread.
#pragma once

#include <boost/intrusive/list_hook.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "safemig/proxy/forwarder.h"
#include "safemig/proxy/record_builder.h"
#include "safemig/proxy/recorded_endpoint.h"
#include "safemig/proxy/upstream.h"

namespace safemig::proxy {

// The failure of a request whose client left before its response was complete. `head_sent`:
// the client had the response head (and maybe some of the body).
UpstreamFailure client_left_failure(bool head_sent);
// The failure of a request ended by abort_all() at the shutdown timeout.
UpstreamFailure shutdown_failure();

struct ForwardedRequest : ForwardedRequestHook {
  using Clock = std::chrono::steady_clock;

  // Joins `in_progress`, the forwarder's requests in progress, until destroyed. `recorded_as`:
  // the API a recorded request called; nullopt for a request that is not recorded.
  ForwardedRequest(std::optional<Endpoint> recorded_as, const RecordSink& record_sink,
                   ProxyMetrics& proxy_metrics, Clock::time_point received,
                   ForwardedRequestList& in_progress);
  ~ForwardedRequest();
  ForwardedRequest(const ForwardedRequest&) = delete;
  ForwardedRequest& operator=(const ForwardedRequest&) = delete;

  std::chrono::microseconds elapsed() const;

  // Records `error` as the way the request ended, unless the client's leaving or abort_all()
  // caused it (the upstream link was closed under the operation that failed): then that is the
  // cause.
  void fail(const UpstreamFailure& error);
  // Sets the request's outcome in the metrics and hands its record to the sink (see above).
  void finish();

  const bool recorded;
  // The upstream link in use. Closing it ends the exchange at once: the watch of the client does
  // so when the client leaves (client_left), abort_all() at the shutdown timeout (aborted).
  UpstreamLink* upstream = nullptr;
  bool client_left = false;
  bool aborted = false;
  // The client has the response head: a leaving client is then one that left mid-response.
  bool head_sent = false;
  const RecordSink& sink;
  ProxyMetrics& metrics;
  const Clock::time_point received_at;
  std::string path;
  Exchange exchange;
  std::chrono::microseconds upstream_time{0};
  bool finished = false;
};

}  // namespace safemig::proxy
