// The ways a forwarded request can end other than with a complete upstream response, the reply
// the client gets for each, and the error class of an upstream HTTP status.
//
//   failure                 status  error_type              when
//   upstream_unreachable    502     upstream_unreachable    connect refused, DNS, TLS handshake
//   upstream_timeout        504     upstream_timeout        no answer within the timeout
//   upstream_protocol       502     upstream_bad_response   the upstream's reply was not HTTP
//   client_disconnect       499     client_disconnect       the client left mid-response
//   client_timeout          499     client_timeout          the client read nothing for the
//                                                           write timeout; the proxy closed
//   shutdown                503     proxy_shutdown          the proxy stopped before the end
//   proxy_overloaded        503     proxy_overloaded        no file descriptor left for a socket
//   request_too_large       413     request_too_large       the body is over the proxy's limit
//                                                           (answered before any forwarding)
//   bodies_over_budget      503     server_overloaded       the body would take the bodies held
//                                                           at once over --bodies-in-flight-mib
//                                                           (answered before any forwarding)
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace safemig::proxy {

enum class Failure {
  none,
  upstream_unreachable,
  upstream_timeout,
  upstream_protocol,
  client_disconnect,
  client_timeout,
  shutdown,
  proxy_overloaded,
  request_too_large,
  bodies_over_budget,
};

// The status recorded (and answered, when the client is still there) for a failure.
// REQUIRES: failure != Failure::none.
int failure_status(Failure failure);

// The error_type recorded and sent in the OpenAI-style error body ("upstream_timeout", …).
// REQUIRES: failure != Failure::none.
std::string_view failure_type(Failure failure);

// A message for the client naming what failed; `detail` is the low-level cause (e.g.
// "Connection refused") and `upstream` the base URL.
std::string failure_message(Failure failure, std::string_view upstream, std::string_view detail);

// "http_4xx", "http_5xx" (or "http_3xx", "http_1xx") for an upstream status without an error
// body; empty for 2xx.
std::string status_class_error_type(int status);

}  // namespace safemig::proxy
