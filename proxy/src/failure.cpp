// Failure classes of a forwarded request (see failure.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/failure.h"

namespace safemig::proxy {

int failure_status(Failure failure) {
  switch (failure) {
    case Failure::upstream_unreachable:
    case Failure::upstream_protocol:
      return 502;
    case Failure::upstream_timeout:
      return 504;
    case Failure::client_disconnect:
    case Failure::client_timeout:
      return 499;
    case Failure::shutdown:
    case Failure::proxy_overloaded:
    case Failure::bodies_over_budget:
      return 503;
    case Failure::request_too_large:
      return 413;
    case Failure::none:
      break;
  }
  return 500;
}

std::string_view failure_type(Failure failure) {
  switch (failure) {
    case Failure::upstream_unreachable:
      return "upstream_unreachable";
    case Failure::upstream_timeout:
      return "upstream_timeout";
    case Failure::upstream_protocol:
      return "upstream_bad_response";
    case Failure::client_disconnect:
      return "client_disconnect";
    case Failure::client_timeout:
      return "client_timeout";
    case Failure::shutdown:
      return "proxy_shutdown";
    case Failure::proxy_overloaded:
      return "proxy_overloaded";
    case Failure::request_too_large:
      return "request_too_large";
    case Failure::bodies_over_budget:
      return "server_overloaded";
    case Failure::none:
      break;
  }
  return "internal_error";
}

std::string failure_message(Failure failure, std::string_view upstream, std::string_view detail) {
  std::string message;
  switch (failure) {
    case Failure::upstream_unreachable:
      message = "the upstream " + std::string(upstream) + " could not be reached";
      break;
    case Failure::upstream_timeout:
      message = "the upstream " + std::string(upstream) + " did not answer in time";
      break;
    case Failure::upstream_protocol:
      message = "the upstream " + std::string(upstream) + " sent a malformed HTTP response";
      break;
    case Failure::client_disconnect:
      message = "the client closed the connection before the whole response was sent";
      break;
    case Failure::client_timeout:
      message =
          "the client stopped reading the response for longer than the write timeout; the proxy "
          "closed the connection";
      break;
    case Failure::shutdown:
      message = "the proxy is shutting down; retry the request";
      break;
    case Failure::proxy_overloaded:
      message = "the proxy has no file descriptor left to connect to the upstream " +
                std::string(upstream) +
                "; retry the request, and raise the proxy's open-file limit (ulimit -n) if this "
                "persists";
      break;
    case Failure::request_too_large:
      message = "the request body is larger than the proxy's limit; it was not forwarded";
      break;
    case Failure::bodies_over_budget:
      message =
          "the proxy held as many request bodies as --bodies-in-flight-mib allows; the request "
          "was not forwarded: retry it, or raise --bodies-in-flight-mib";
      break;
    case Failure::none:
      message = "no failure";
      break;
  }
  if (!detail.empty()) message += " (" + std::string(detail) + ")";
  return message;
}

std::string status_class_error_type(int status) {
  if (status >= 200 && status < 300) return {};
  if (status < 100 || status > 599) return "http_invalid_status";
  return "http_" + std::to_string(status / 100) + "xx";
}

}  // namespace safemig::proxy
