// Builds the recorded row of one chat or text completion, Responses or embeddings request from
// what the proxy saw of the exchange: the request's summary, how it ended, the upstream's status
// and response facts, and the timings.
//
// Rules:
//  - endpoint: the API called (endpoint_name); model: the request's, else the response's, else
//    "unknown".
//  - message_count: the size of `messages` for chat; the number of inputs (input_count) for
//    Responses and embeddings; absent for text completions.
//  - request_id: the upstream's response id, else the proxy's own id.
//  - status_code: the upstream's status; for a proxy failure the failure's status (499 for a
//    client disconnect, 502/504 for an unreachable or silent upstream).
//  - success: a 2xx upstream status, no in-stream error and no failure.
//  - error_type: the failure's type; else the upstream's `error.type`/`code`; else the status
//    class (`http_4xx`, `http_5xx`); absent on success.
//  - tokens: exactly the upstream's usage, NULL when it sent none.
//  - time_to_first/last_token_ms: streams only, when a token arrived; tokens_per_second:
//    completion tokens over the time between the first and the last token (over the time to
//    the last token when they coincide), only when both usage and timings are known.
//
// Thread safety: pure function.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "safemig/dao/completion_request.h"
#include "safemig/proxy/completion_json.h"
#include "safemig/proxy/failure.h"
#include "safemig/proxy/recorded_endpoint.h"

namespace safemig::proxy {

// Upstream error messages are cut to this many bytes before they are stored.
inline constexpr std::size_t kMaxErrorMessageBytes = 500;

struct Exchange {
  dao::TimePoint started_at{};         // Wall-clock time the request arrived.
  std::chrono::microseconds total{0};  // Until the response ended (or failed).
  std::string proxy_request_id;        // The proxy's own unique id.
  std::optional<std::string> origin;   // X-Origin, else the client address.
  std::string upstream;                // The upstream base URL.
  Endpoint endpoint = Endpoint::chat_completions;
  RequestSummary request;
  Failure failure = Failure::none;
  std::string failure_detail;          // The low-level cause of a failure, for the record.
  std::optional<int> upstream_status;  // When an upstream response head arrived.
  ResponseSummary response;            // From the JSON body or the stream.
  std::optional<std::chrono::microseconds> first_token;
  std::optional<std::chrono::microseconds> last_token;
  // An event stream that ended without `data: [DONE]` or any finish_reason (a Responses stream:
  // without its final event): cut short upstream,
  // even though its HTTP framing ended cleanly. Recorded as an error (incomplete_stream).
  bool stream_incomplete = false;
};

dao::CompletionRequest build_record(const Exchange& exchange);

}  // namespace safemig::proxy
