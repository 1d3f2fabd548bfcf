// Which forwarded requests the proxy records, and as which OpenAI API.
//
// Recorded: POST /v1/chat/completions, /v1/completions, /v1/responses and /v1/embeddings (the
// query string is ignored). Every other request is forwarded without a record.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "safemig/http/message.h"

namespace safemig::proxy {

enum class Endpoint { chat_completions, completions, responses, embeddings };

// The API a request calls, when it is one the proxy records.
std::optional<Endpoint> recorded_endpoint(const http::Request& request);

// The path below /v1/, as CompletionRequest::endpoint stores it ("chat/completions").
std::string_view endpoint_name(Endpoint endpoint);

// True for the APIs whose streams carry usage only when the request sets
// `stream_options.include_usage` (chat and text completions); a Responses stream always reports
// it in `response.completed`, and embeddings are not streamed.
bool usage_needs_stream_options(Endpoint endpoint);

}  // namespace safemig::proxy
