// The recorded row of a completion request (see record_builder.h).
//
// Thread safety: pure function.
#include "safemig/proxy/record_builder.h"

#include "safemig/http/utf8.h"

namespace safemig::proxy {
namespace {

using std::chrono::microseconds;

std::int64_t to_ms(microseconds d) { return d.count() < 0 ? 0 : d.count() / 1000; }

// Cuts `text` to at most kMaxErrorMessageBytes without splitting a UTF-8 sequence.
std::string clip(std::string text) {
  text.resize(http::utf8_prefix(text, kMaxErrorMessageBytes).size());
  return text;
}

void set_error(dao::CompletionRequest& r, const Exchange& x) {
  if (x.failure != Failure::none) {
    r.error_type = std::string(failure_type(x.failure));
    r.error_message = clip(failure_message(x.failure, x.upstream, x.failure_detail));
    return;
  }
  const UpstreamError& e = x.response.error;
  const int status = x.upstream_status.value_or(0);
  if (status >= 200 && status < 300 && !e.present()) {
    if (x.stream_incomplete) {
      r.error_type = "incomplete_stream";
      r.error_message = x.endpoint == Endpoint::responses
                            ? "the upstream ended the stream without response.completed, "
                              ".incomplete or .failed"
                            : "the upstream ended the stream without a finish_reason or data: "
                              "[DONE]";
    }
    return;
  }
  if (e.type) {
    r.error_type = *e.type;
  } else if (status >= 200 && status < 300) {
    r.error_type = "stream_error";
  } else {
    r.error_type = status_class_error_type(status);
  }
  if (e.message) r.error_message = clip(*e.message);
}

// A count the schema refuses when negative (a client's max_tokens: -1) is recorded as absent.
std::optional<std::int64_t> non_negative(std::optional<std::int64_t> value) {
  if (value && *value < 0) return std::nullopt;
  return value;
}

std::optional<double> tokens_per_second(const Exchange& x) {
  if (!non_negative(x.response.completion_tokens) || !x.first_token || !x.last_token)
    return std::nullopt;
  microseconds span = *x.last_token - *x.first_token;
  if (span.count() <= 0) span = *x.last_token;
  if (span.count() <= 0) return std::nullopt;
  return static_cast<double>(*x.response.completion_tokens) * 1e6 /
         static_cast<double>(span.count());
}

std::string model_of(const Exchange& x) {
  if (x.request.model && !x.request.model->empty()) return *x.request.model;
  if (x.response.model && !x.response.model->empty()) return *x.response.model;
  return "unknown";
}

std::optional<std::int64_t> message_count_of(const Exchange& x) {
  switch (x.endpoint) {
    case Endpoint::chat_completions:
      return non_negative(x.request.message_count);
    case Endpoint::responses:
    case Endpoint::embeddings:
      return non_negative(x.request.input_count);
    case Endpoint::completions:
      break;
  }
  return std::nullopt;
}

}  // namespace

dao::CompletionRequest build_record(const Exchange& x) {
  dao::CompletionRequest r;
  r.timestamp = x.started_at;
  r.request_id = x.response.id && !x.response.id->empty() ? *x.response.id : x.proxy_request_id;
  if (x.failure != Failure::none) {
    r.status_code = failure_status(x.failure);
  } else if (x.upstream_status) {
    r.status_code = *x.upstream_status;
  }
  const int status = x.upstream_status.value_or(0);
  r.success = x.failure == Failure::none && status >= 200 && status < 300 &&
              !x.response.error.present() && !x.stream_incomplete;
  r.response_time_ms = to_ms(x.total);
  r.model = model_of(x);
  r.endpoint = std::string(endpoint_name(x.endpoint));
  r.origin = x.origin;
  r.upstream = x.upstream;
  r.is_streaming = x.request.stream;
  r.max_tokens = non_negative(x.request.max_tokens);
  r.temperature = x.request.temperature;
  r.top_p = x.request.top_p;
  r.message_count = message_count_of(x);
  r.prompt_tokens = non_negative(x.response.prompt_tokens);
  r.completion_tokens = non_negative(x.response.completion_tokens);
  r.total_tokens = non_negative(x.response.total_tokens);
  r.finish_reason = x.response.finish_reason;
  set_error(r, x);
  if (x.request.stream) {
    if (x.first_token) r.time_to_first_token_ms = to_ms(*x.first_token);
    if (x.last_token) r.time_to_last_token_ms = to_ms(*x.last_token);
    r.tokens_per_second = tokens_per_second(x);
  }
  return r;
}

}  // namespace safemig::proxy
