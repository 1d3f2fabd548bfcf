// What the proxy reads from the OpenAI Responses API (POST /v1/responses): a whole response
// object, or one event of its stream (`data: {"type": "response.…", …}`).
//
// A response object (the body, or the `response` member of the response.created / .completed /
// .incomplete / .failed events) gives id, model, status, usage (`input_tokens`,
// `output_tokens`, `total_tokens`), `error` and `incomplete_details.reason`. An `error` event
// gives its top-level `code` and `message`. Text is never copied out: deltas are only checked
// for being non-empty.
//
// Thread safety: pure function.
#pragma once

#include <optional>
#include <string_view>

#include "safemig/proxy/completion_json.h"

namespace safemig::proxy {

struct ResponsesFacts {
  // id, model, usage (input as prompt, output as completion tokens), the error, and as finish
  // reason `incomplete_details.reason`, else a final status (completed, incomplete, failed,
  // cancelled). A failed status without an `error` object is the error type `response_failed`.
  ResponseSummary summary;
  bool usage_is_object = false;
  // A stream event that ends the response: response.completed, .incomplete or .failed.
  bool terminal = false;
  // A stream event carrying generated output: a non-empty `delta` of
  // response.output_text.delta, response.refusal.delta or
  // response.function_call_arguments.delta.
  bool carries_token = false;
};

// Reads `json` in one pass without building a tree. nullopt when it is not valid JSON or not an
// object; members of the wrong type are treated as absent.
std::optional<ResponsesFacts> read_responses_json(std::string_view json);

}  // namespace safemig::proxy
