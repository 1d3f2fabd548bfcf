// Forwarder: the handler of every `/v1/*` request. It sends the request to the upstream over a
// pooled keep-alive connection, relays the response to the client as it arrives (SSE event by
// event, other bodies piece by piece), and for chat and text completions hands one record per
// request to the record sink — success or not, including client disconnects (499), unreachable
// (502) and silent (504) upstreams.
//
// The per-request decisions are pure functions (upstream_request.h, completion_json.h,
// stream_observer.h, record_builder.h); this class only moves bytes between the two sockets
// and measures time.
//
// Thread safety: handle() runs on the io_context's single thread (the pool is not locked).
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/http/router.h"
#include "safemig/proxy/proxy_metrics.h"
#include "safemig/proxy/request_id.h"
#include "safemig/proxy/upstream_connection.h"
#include "safemig/proxy/upstream_pool.h"

namespace safemig::proxy {

// Receives the record of each finished completion request (the Recorder's submit()). Must not
// block.
using RecordSink = std::function<void(dao::CompletionRequest)>;

struct ForwarderOptions {
  // Longest wait for the upstream's response head, and between two pieces of its body.
  std::chrono::milliseconds upstream_timeout{600000};
};

class Forwarder {
 public:
  // `pool`, `metrics` must outlive the forwarder.
  Forwarder(UpstreamPool& pool, RecordSink sink, ProxyMetrics& metrics, ForwarderOptions options);
  // Defined where Relay is complete.
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
  struct Relay;
  class Piece;
  // Fills in what the record says of the request itself: path, arrival time, upstream and, for a
  // recorded request, its ids, origin and summary.
  void describe(Relay& relay, const http::Request& request, const http::RequestContext& context);
  // Sends the request (`head` text and `body`) on a parked connection and reads the response
  // head. When the upstream had closed that connection, the request goes again on another one
  // (or a new one) if the send failed, or if it is `repeatable` (see may_send_again).
  boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>> start_exchange(
      std::string_view head, std::string_view body, bool head_request, bool repeatable,
      Relay& relay);
  // start_exchange() while the client's connection is watched: a client that leaves before
  // the response head ends the exchange (the upstream connection is closed, so the upstream
  // stops generating) with client_disconnect.
  boost::asio::awaitable<UpstreamResult<std::unique_ptr<UpstreamConnection>>>
  start_watched_exchange(std::string_view head, std::string_view body, bool head_request,
                         bool repeatable, Relay& relay, http::ResponseChannel& channel);
  boost::asio::awaitable<void> relay_body(UpstreamConnection& connection, Relay& relay,
                                          http::ResponseChannel& channel);
  boost::asio::awaitable<void> relay_events(UpstreamConnection& connection, Relay& relay,
                                            http::ResponseChannel& channel, bool strip_usage);

  UpstreamPool& pool_;
  RecordSink sink_;
  ProxyMetrics& metrics_;
  ForwarderOptions options_;
  RequestIdGenerator ids_;
  // Upstream bytes read at a time: a TLS record's worth. Small, as every open stream holds one.
  using PieceBuffer = std::array<char, std::size_t{16} * 1024>;
  // Upstream read buffers of finished requests, taken by the next ones (see Piece).
  std::vector<std::unique_ptr<PieceBuffer>> spare_pieces_;
  // The requests in progress. A Relay leaves the list by itself when it is destroyed.
  using InProgressHook =
      boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
  using InProgressList = boost::intrusive::list<Relay, boost::intrusive::base_hook<InProgressHook>,
                                                boost::intrusive::constant_time_size<false>>;
  InProgressList in_progress_;
};

}  // namespace safemig::proxy
