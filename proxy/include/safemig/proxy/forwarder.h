// Forwarder: the handler of every `/v1/*` request. It sends the request to the upstream over a
// pooled keep-alive connection, relays the response to the client as it arrives (SSE event by
// event, other bodies piece by piece), and for chat and text completions hands one record per
// request to the record sink — success or not, including client disconnects (499), unreachable
// (502) and silent (504) upstreams.
//
// The client's connection is watched from the request's arrival to the end of the relay: a
// client that leaves — even while the upstream is silent — ends the exchange at once, closing
// the upstream link (so the upstream stops generating) and recording what the client got.
//
// The per-request decisions are pure functions (upstream_request.h, completion_json.h,
// stream_observer.h, record_builder.h, error_redaction.h); the body relay is body_relay.cpp;
// this class only starts the exchange, moves the response head and measures time. The upstream
// is an interface (upstream.h), so that tests can drive the forwarder with scripted links.
//
// Thread safety: handle() runs on the io_context's single thread (the pool is not locked).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "safemig/dao/completion_request.h"
#include "safemig/http/router.h"
#include "safemig/proxy/error_redaction.h"
#include "safemig/proxy/proxy_metrics.h"
#include "safemig/proxy/request_id.h"
#include "safemig/proxy/upstream.h"

namespace safemig::proxy {

// Receives the record of each finished completion request (the Recorder's submit()). Must not
// block.
using RecordSink = std::function<void(dao::CompletionRequest)>;

struct ForwarderOptions {
  // Longest wait for the upstream's response head, and between two pieces of its body.
  std::chrono::milliseconds upstream_timeout{600000};
  // What is kept of an upstream's error message in the record (see error_redaction.h).
  ErrorMessages error_messages = ErrorMessages::redacted;
};

class ReadBufferPool;
struct ForwardedRequest;
// The forwarder's list of requests in progress; a request leaves it by itself when destroyed.
using ForwardedRequestHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
using ForwardedRequestList =
    boost::intrusive::list<ForwardedRequest, boost::intrusive::base_hook<ForwardedRequestHook>,
                           boost::intrusive::constant_time_size<false>>;

class Forwarder {
 public:
  // `upstream`, `metrics` must outlive the forwarder.
  Forwarder(Upstream& upstream, RecordSink sink, ProxyMetrics& metrics, ForwarderOptions options);
  // Defined where ReadBufferPool is complete.
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Forwards one request and writes the response to `channel` (see the class comment).
  boost::asio::awaitable<void> handle(http::Request request, http::RequestContext context,
                                      http::ResponseChannel& channel);

  // Accounts for a request the server refused before it reached handle() (413: its body is
  // over the limit; `head` has no body): counted, and recorded when it is a completion call.
  void refused(const http::Request& head, const http::RequestContext& context, Failure failure);

  // Ends every request in progress, for a shutdown whose wait ran out: their upstream
  // connections are closed, so each ends through its own failure path, as proxy_shutdown. A
  // request still waiting for its response head is answered 503; a stream keeps the timings and
  // tokens it showed so far in its record. Returns how many requests it ended.
  std::size_t abort_all();

 private:
  // Fills in what the record says of the request itself: path, arrival time, upstream and, for a
  // recorded request, its ids, origin and summary.
  void describe(ForwardedRequest& forwarded, const http::Request& request,
                const http::RequestContext& context);
  // Sends the request (`head` text and `body`) on a parked link and reads the response head.
  // When the upstream had closed that link, the request goes again on another one (or a new
  // one) if the send failed, or if it is `repeatable` (see may_send_again). A client that left
  // meanwhile (the watch closed the link) ends it with client_disconnect.
  boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamLink>>> start_exchange(
      std::string_view head, std::string_view body, bool head_request, bool repeatable,
      ForwardedRequest& forwarded);
  // Relays the response whose head `link` has read, from its head to its end.
  boost::asio::awaitable<void> relay_response(UpstreamLink& link, ForwardedRequest& forwarded,
                                              http::ResponseChannel& channel, bool strip_usage);
  // Applies options_.error_messages to the upstream's error message in the record, while the
  // request (its credentials, and `upstream_body`, its text) is at hand.
  void keep_error_text_private(ForwardedRequest& forwarded, const http::Request& request,
                               std::string_view upstream_body) const;

  Upstream& upstream_;
  RecordSink sink_;
  ProxyMetrics& metrics_;
  ForwarderOptions options_;
  RequestIdGenerator ids_;
  std::unique_ptr<ReadBufferPool> read_buffers_;
  ForwardedRequestList in_progress_;
};

}  // namespace safemig::proxy
