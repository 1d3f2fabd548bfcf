// What of an upstream's error message may be stored. Some upstreams echo the request in their
// validation errors — the API key, the prompt — and the record is served by the metrics
// server's /api/v1/requests, so the message is redacted before it is stored.
//
// Redaction replaces each of these with "[redacted]":
//  - the request's credentials (Authorization, Api-Key, X-Api-Key values, whole and without
//    their scheme word), and any run of at least kMinEchoBytes bytes that also occurs in one;
//  - anything shaped like a key: an `sk-`/`sk_` token, the token after `Bearer`/`Basic`, a token
//    masked with `***`, a token with a run of 16 or more letters and digits mixing both;
//  - any run of at least kMinEchoBytes bytes that also occurs in a string of the request body
//    (messages, prompt, input, instructions, tools… — every string but `model`, `role` and
//    `type`, decoded and as JSON text), or in the raw body when it is not JSON or over 1 MiB
//    (not parsed, so that the event loop is held for a scan of the body only).
// Runs are widened to whole UTF-8 sequences, so the result stays well-formed.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"
#include "safemig/http/message.h"

namespace safemig::proxy {

// `--error-messages`: redacted keeps the upstream's message with the parts above replaced; off
// stores none (the error type and status stay; the proxy's own failure messages, which hold no
// request data, stay too).
enum class ErrorMessages { redacted, off };

// "redacted" or "off". Errors: invalid_input naming the accepted values.
Result<ErrorMessages> parse_error_messages(std::string_view text);

// Echoes shorter than this are kept: below it, ordinary words would match the request's text.
inline constexpr std::size_t kMinEchoBytes = 8;
// A longer message is cut to this many bytes before it is redacted (records keep 500 bytes).
inline constexpr std::size_t kMaxRedactedBytes = std::size_t{64} * 1024;

// The request's credential values: each of Authorization, Api-Key and X-Api-Key, and the part
// after its scheme word ("Bearer sk-…" gives both "Bearer sk-…" and "sk-…").
std::vector<std::string> request_credentials(const http::Request& request);

// `message` redacted as described above, given the request's `credentials` and `body`.
std::string redact_error_text(std::string_view message, const std::vector<std::string>& credentials,
                              std::string_view body);

}  // namespace safemig::proxy
