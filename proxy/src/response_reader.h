// What the proxy reads from a completion response object: a whole non-streaming body, or one
// chunk of a stream.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "safemig/proxy/completion_json.h"

namespace safemig::proxy {

struct CompletionFacts {
  // `id`, `model`, `usage` (when it is an object), the first string `finish_reason` among the object
  // elements of `choices`, and `error` (see UpstreamError).
  ResponseSummary summary;
  bool usage_is_object = false;
  bool usage_is_null = false;               // `"usage": null`, as upstreams add to stream chunks.
  std::optional<std::size_t> choice_count;  // The size of `choices` when it is an array.
  // A choice carries generated output: a non-empty `text` (text completions) or a `delta` with
  // non-empty `content`, `reasoning_content` or `refusal`, non-empty `tool_calls`, or a
  // `function_call` object (chat).
  bool carries_token = false;
};

// Reads `json` in one pass without building a tree: response bodies and chunks repeat the
// generated text, which only needs to be skipped. nullopt when `json` is not valid JSON or not
// an object; members of the wrong type are treated as absent.
std::optional<CompletionFacts> read_completion(std::string_view json);

}  // namespace safemig::proxy
