// The few facts the proxy reads from OpenAI-compatible completion bodies, and the one change it
// makes to a request body (asking for usage in a stream).
//
// Only counts, sampling parameters, model names, ids, usage, finish reasons and error classes
// are read: prompts and completions are never copied out of a body.
//
// Thread safety: pure functions over value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace safemig::proxy {

// What a chat or text completion, Responses or embeddings request asks for. Absent members stay
// empty; a body that is not a JSON object gives an empty summary.
struct RequestSummary {
  std::optional<std::string> model;
  // `max_tokens`, else `max_completion_tokens`, else `max_output_tokens` (Responses).
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> message_count;  // Size of the `messages` array (chat).
  // The inputs of `input` (Responses, embeddings): 1 for a string or one array of token numbers,
  // else the size of the array (its items, texts or token arrays).
  std::optional<std::int64_t> input_count;
  bool stream = false;         // `stream: true`.
  bool include_usage = false;  // `stream_options.include_usage: true`.
};
RequestSummary summarize_request(std::string_view body);

// The body with `stream_options.include_usage` set to true, every other byte kept as it was: the
// value of each `include_usage` member becomes `true`, and a missing member or `stream_options`
// is appended to its object. Returns nullopt when the body is not one valid JSON object, or a
// `stream_options` member is neither an object nor null.
std::optional<std::string> with_include_usage(std::string_view body);

// `json` without its top-level `"usage": null` member, every other byte kept as it was; nullopt
// when it has none (or is not a JSON object). Upstreams asked for include_usage add that member
// to every chunk; a client that did not ask must not see it.
std::optional<std::string> without_null_usage(std::string_view json);

// An OpenAI-style error as an upstream reports it: {"error": {"type", "code", "message"}}.
struct UpstreamError {
  std::optional<std::string> type;     // `error.type`, else `error.code` (as text).
  std::optional<std::string> message;  // `error.message` (or `error` when it is a string).
  bool present() const { return type.has_value() || message.has_value(); }
};

// What the proxy records from a response (a whole JSON body, or one stream chunk or event).
struct ResponseSummary {
  std::optional<std::string> id;
  std::optional<std::string> model;  // The top-level `model` (of the `response`, for Responses).
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::int64_t> total_tokens;
  // Of the first choice that has one; for Responses, `incomplete_details.reason`, else `status`.
  std::optional<std::string> finish_reason;
  UpstreamError error;
};

// Reads a non-streaming chat or text completion or embeddings response body. A body that is not
// JSON gives an empty summary.
ResponseSummary summarize_response(std::string_view body);

// Reads a non-streaming Responses API body (a `response` object): `usage.input_tokens` and
// `output_tokens` are the prompt and completion tokens; a `failed` status without an `error`
// object is the error `response_failed`. A body that is not JSON gives an empty summary.
ResponseSummary summarize_responses_body(std::string_view body);

}  // namespace safemig::proxy
