// The upstream a proxy forwards to, and the pure translation of a client request into the
// request sent upstream (and of an upstream response head into the head sent back).
//
// Forwarding rules (RFC 9110 §7.6.1):
//  - method, target (path and query) and body are kept; when the base URL has a path, it is
//    put in front of the target, except a trailing "/v1" that the client's "/v1/..." already
//    names (UPSTREAM_BASE_URL=https://api.openai.com/v1 and http://host:port both work);
//  - hop-by-hop headers are dropped: Connection and every header it names, Keep-Alive,
//    Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade (and Expect: the body is already read);
//  - Host is rewritten to the upstream's authority; Content-Length is set from the body.
//
// Thread safety: pure functions over value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "safemig/error.h"
#include "safemig/http/message.h"

namespace safemig::proxy {

struct UpstreamTarget {
  std::string url;   // As given, without a trailing '/' (recorded in `upstream`).
  bool tls = false;  // https.
  std::string host;  // Name or address to connect to (without brackets for IPv6).
  std::uint16_t port = 0;
  std::string base_path;  // Without a trailing '/' ("" for none).
  std::string authority;  // The Host header: "host" or "host:port" when not the default port.
};

// Parses an http or https base URL. Errors: invalid_input saying what was expected.
Result<UpstreamTarget> parse_upstream_url(std::string_view url);

// The origin recorded for a request: its X-Origin header (trimmed, at most 200 bytes) when
// present and not empty, else the client address; nullopt when neither is known.
std::optional<std::string> request_origin(const http::Request& request,
                                          std::string_view peer_address);

// True when the request may be sent upstream a second time after a reused connection closed
// without answering it: an idempotent method (RFC 9110 §9.2.2) or an Idempotency-Key header.
// The upstream may have read the first copy whole and worked on it, so anything else (every
// completion call) is never repeated: it would be generated, and billed, twice.
bool may_send_again(const http::Request& request);

// True for a header that applies to one connection only and is never forwarded.
bool is_hop_by_hop(std::string_view name);

// The head of the request to send upstream for `client`, as wire text, for a body of
// `body_size` bytes (the client's, or the one that replaced it for include_usage injection);
// the body follows it on the connection. `drop_accept_encoding` asks the upstream for an
// identity-encoded response (the proxy reads recorded responses). Content-Length is sent for a
// body, and for an empty one of POST, PUT and OPTIONS.
std::string upstream_request_head(const http::Request& client, const UpstreamTarget& target,
                                  std::size_t body_size, bool drop_accept_encoding);

// The response head sent to the client for an upstream head: status, reason and end-to-end
// headers. Content-Length is kept only when `keep_length` (the body is relayed unchanged);
// otherwise the body goes out chunked.
http::bhttp::response_header<> build_client_head(const http::bhttp::response_header<>& upstream,
                                                 bool keep_length);

}  // namespace safemig::proxy
