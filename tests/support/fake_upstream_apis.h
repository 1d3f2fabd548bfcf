// The bodies the fake upstream answers on the Responses API (POST /v1/responses) and the
// Embeddings API (POST /v1/embeddings), shaped as OpenAI's (internal to the fake upstream).
//
// Responses: a `response` object with `output_text` items and `usage` in input/output tokens;
// streamed, the events response.created, response.output_text.delta (one per token),
// response.output_text.done and response.completed (carrying the usage), without `data: [DONE]`.
// Embeddings: a `list` of one 3-dimension embedding per input with usage in prompt tokens.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace safemig::testing::fake_apis {

// What one Responses request asked for.
struct ResponsesCall {
  std::string id;  // "resp_fake-<n>".
  std::string model;
  int tokens = 0;
  std::size_t input_tokens = 0;
  std::int64_t created_at = 0;
};

// Words in `input` (a string, or items whose `content` is a string or parts with `text`): the
// fake's stand-in for input tokens.
std::size_t input_words(const boost::json::object& body);

// The whole response object of a finished call.
boost::json::object response_object(const ResponsesCall& call);

// The SSE events of a streamed call, each a complete `event:`/`data:` block ending in a blank
// line; the deltas are events [2, 2 + tokens).
std::vector<std::string> response_events(const ResponsesCall& call);

// The embeddings list for the request `body` (one embedding per input; tokens: words).
boost::json::object embeddings_list(const boost::json::object& body, const std::string& model);

}  // namespace safemig::testing::fake_apis
