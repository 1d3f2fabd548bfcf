// FakeUpstream: an OpenAI-compatible LLM API for tests and benchmarks, served in-process on its
// own threads by safemig::http::Server.
//
//   POST /v1/chat/completions, POST /v1/completions — JSON, or SSE with `"stream": true`: one
//        token per `data:` event, then a chunk with finish_reason, then (only when the request
//        has `stream_options.include_usage: true`, as OpenAI does) a usage-only chunk with
//        `"choices": []`, then `data: [DONE]`. `max_tokens` shortens the answer
//        (finish_reason "length").
//   POST /v1/responses — a Responses API object, or with `"stream": true` its events
//        (response.created, one response.output_text.delta per token, response.completed with
//        the usage); POST /v1/embeddings — one embedding per input (fake_upstream_apis.h).
//   GET  /v1/models
//
// Per-request overrides through request headers:
//   X-Fake-Status: 429            answer that status with an OpenAI error body
//   X-Fake-Tokens: N              completion tokens for this request
//   X-Fake-Delay-Ms: D            wait D ms before the first byte
//   X-Fake-Disconnect-After: N    close the connection after N SSE events (non-streaming: before
//                                 any byte of the response)
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "safemig/error.h"

namespace safemig::testing {

struct FakeUpstreamOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port, see FakeUpstream::port().
  int tokens = 5;          // Completion tokens per answer unless X-Fake-Tokens says otherwise.
  std::chrono::milliseconds token_delay{0};  // Between two tokens (non-streaming: in total).
  std::string model = "fake-model";          // When the request names none.
  int threads = 1;                           // Threads running the server.
};

// What the fake received, for tests checking what a proxy forwarded.
struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // In arrival order.
  std::string body;
  // The value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

class FakeUpstream {
 public:
  // Starts serving. Errors: io when the address cannot be bound, invalid_input for bad options.
  static Result<std::unique_ptr<FakeUpstream>> start(FakeUpstreamOptions options = {});
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>" — the base URL to give a proxy.
  std::string base_url() const;
  // Stops promptly: closes the listener and idle connections, cuts delays short (their
  // responses are abandoned and their connections closed), lets responses being written finish
  // for up to 2 s, then closes everything and joins the threads. Idempotent; also done by the
  // destructor.
  void stop();

  // Requests received so far (all paths).
  std::size_t request_count() const;
  // The most recent request, or nullopt before the first.
  std::optional<RecordedRequest> last_request() const;
  // Blocks until at least `count` requests arrived or `timeout` passed; returns whether they did.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

  class Impl;

 private:
  explicit FakeUpstream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace safemig::testing
