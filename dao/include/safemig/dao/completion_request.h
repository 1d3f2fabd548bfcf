// CompletionRequest: one recorded LLM completion request, as stored in `completion_requests`
// (every column of the application's schema history v1–v3).
//
// Only counts, timings, model names and error classes are recorded: prompts, completions and API
// keys have no field here and are never stored.
//
// Thread safety: plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "safemig/dao/time.h"

namespace safemig::dao {

struct CompletionRequest {
  std::int64_t id = 0;     // Assigned by the database on insert; ignored by the writer.
  TimePoint timestamp{};   // When the request started, UTC.
  std::string request_id;  // Unique per request (the upstream's id or the proxy's own).
  bool success = false;
  std::optional<std::int64_t> status_code;  // Absent when no HTTP status was received.
  std::int64_t response_time_ms = 0;        // Whole request duration, >= 0.
  std::string model;                        // "unknown" when the request named none.
  // The OpenAI API the request called: its path below /v1/ ("chat/completions", "completions",
  // "responses", "embeddings"). Stored from schema step V5 on.
  std::string endpoint = "chat/completions";
  std::optional<std::string> origin;        // Client address or X-Origin.
  std::optional<std::string> upstream;      // Upstream base URL the request went to.
  bool is_streaming = false;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> message_count;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::int64_t> total_tokens;
  std::optional<std::string> finish_reason;
  std::optional<std::string> error_type;
  std::optional<std::string> error_message;
  std::optional<std::int64_t> time_to_first_token_ms;
  std::optional<std::int64_t> time_to_last_token_ms;
  std::optional<double> tokens_per_second;

  friend bool operator==(const CompletionRequest&, const CompletionRequest&) = default;
};

}  // namespace safemig::dao
