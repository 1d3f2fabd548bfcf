// A small blocking HTTP/1.1 client for end-to-end tests (Beast, one connection per request).
//
// Thread safety: free functions; each call uses its own socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace safemig::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;     // 0 when no response arrived (see error).
  std::string error;  // Why no response arrived.
  Headers headers;    // As received.
  std::string body;   // Decoded (chunked framing removed).
  std::string header(const std::string& name) const;
};

// Sends one request to 127.0.0.1:`port` and reads the whole response.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {}, const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

// POSTs a body of `body_size` bytes, writing it piece by piece until the server answers (a
// server refusing a too-large body answers before reading it all), then reads the answer.
HttpReply post_large_body(std::uint16_t port, const std::string& target, std::size_t body_size);

// Sends a POST and reads until at least `body_bytes` bytes of the (decoded) body arrived, then
// closes the connection without reading the rest: a client that goes away mid-response.
// Returns the body bytes read.
std::string post_then_disconnect(std::uint16_t port, const std::string& target,
                                 const std::string& body, const Headers& headers,
                                 std::size_t body_bytes);

// Sends a POST, waits `linger` without reading, and closes the connection: a client that gives
// up before the response begins. Returns whether the request was sent.
bool post_then_leave(std::uint16_t port, const std::string& target, const std::string& body,
                     const Headers& headers, std::chrono::milliseconds linger);

}  // namespace safemig::testing
