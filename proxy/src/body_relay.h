// Private to safemig_proxy: the relay of an upstream response body to the client, once the
// response head has been sent: piece by piece as read (relay_body), or event by event for a
// recorded event stream (relay_events). Each reads from the upstream link, writes to the
// channel, and records in the request's exchange how the body ended and what it showed.
//
// Both return when the body is complete or at the first failure: an upstream read failure goes
// through ForwardedRequest::fail() (so that a client's leaving, which closes the link, is the
// cause), a failed write to the client is client_disconnect or client_timeout.
//
// Thread safety: the io_context's single thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <span>

#include "forwarded_request.h"
#include "safemig/error.h"
#include "safemig/http/router.h"
#include "safemig/proxy/upstream.h"

namespace safemig::proxy {

// How the relay reads: `buffer` takes each upstream piece; `timeout` bounds each read.
struct RelayReads {
  std::span<char> buffer;
  std::chrono::milliseconds timeout;
};

// Why a write to the client failed: it read nothing for the write timeout (the channel's
// aborted), or it went away.
Failure client_write_failure(const Error& error);

// A `text/event-stream` response.
bool is_event_stream(const http::bhttp::response_header<>& head);
// A response without a content coding (or `identity`): its bytes can be read as they are.
bool is_identity_encoded(const http::bhttp::response_header<>& head);

// Relays the body as it arrives. For a recorded, identity-encoded response, the body (up to 16
// MiB) is also read for the record's usage and error.
boost::asio::awaitable<void> relay_body(UpstreamLink& link, ForwardedRequest& request,
                                        http::ResponseChannel& channel, RelayReads reads);

// Relays an event stream event by event, observing each for the record (timings, usage, finish
// reason, in-stream errors); `strip_usage` drops what the client did not ask for (see
// StreamObserver). Whatever happens, the record keeps what the stream showed so far.
boost::asio::awaitable<void> relay_events(UpstreamLink& link, ForwardedRequest& request,
                                          http::ResponseChannel& channel, RelayReads reads,
                                          bool strip_usage);

}  // namespace safemig::proxy
