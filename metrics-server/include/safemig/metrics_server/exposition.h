// The Prometheus exposition of the metrics server (GET /metrics), computed from the database.
//
// Window: all time — every request with a timestamp before the scrape — read from the rollup
// tables, so counters only grow between scrapes. The token usage histogram is built from the
// rows instead and covers every row in the database (see token_usage.h). Label cardinality is
// bounded: the `top_models` models with the most requests keep their name, the rest (and a model
// that is itself named "other") are reported as model "other"; the error_type, finish_reason and
// status_code values are bounded the same way (kTopLabelValues). A model or value longer than
// kMaxLabelValueBytes (possible only in rows stored before the writer bounded them) is reported
// as "other" too, so the size of the text is bounded whatever was recorded. Token usage of a model
// with no request before the scrape is left out until it has one.
//
// Families (see metrics-server/README.md):
//   gen_ai_server_request_duration_seconds      histogram {gen_ai_request_model}
//   gen_ai_server_time_to_first_token_seconds   histogram {gen_ai_request_model}
//   gen_ai_client_token_usage                   histogram {gen_ai_request_model,gen_ai_token_type}
//   llm_proxy_requests_total      counter {model,gen_ai_operation_name,status_code,streaming}
//   llm_proxy_errors_total        counter {model,gen_ai_operation_name,error_type,streaming}
//   llm_proxy_finish_reasons_total counter {model,gen_ai_operation_name,finish_reason,streaming}
//
// gen_ai_operation_name follows the OpenTelemetry GenAI conventions (operation_name()).
//
// Thread safety: collect_exposition uses the given connection only (one thread); the rest are
// pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/dao/metrics.h"
#include "safemig/dao/text_bounds.h"
#include "safemig/db/connection.h"
#include "safemig/metrics_server/token_usage.h"

namespace safemig::metrics_server {

inline constexpr std::size_t kDefaultTopModels = 20;
inline constexpr std::size_t kTopLabelValues = 20;
// The writer's bound on a model name, the longest text it stores in a label (dao/text_bounds.h).
inline constexpr std::size_t kMaxLabelValueBytes = dao::kMaxModelBytes;
inline constexpr std::string_view kOtherLabel = "other";
// status_code of requests that got no HTTP status (connection refused, timeout).
inline constexpr std::string_view kNoStatusLabel = "none";

// What one model label (a model name or "other") reports.
struct ModelSeries {
  std::string model;
  std::array<std::int64_t, 2> requests{};  // [non-streaming, streaming].
  dao::LatencySummary response_time;
  dao::LatencySummary time_to_first_token;
  ModelTokenUsage tokens;
};

// One counter sample: requests with `label` = `value` (error_type, finish_reason, status_code).
struct LabelSeries {
  std::string label;
  std::string value;
  std::string model;
  bool streaming = false;
  std::int64_t requests = 0;
  std::string operation;  // gen_ai_operation_name (operation_name of the endpoint).
  friend bool operator==(const LabelSeries&, const LabelSeries&) = default;
};

// The OpenTelemetry GenAI `gen_ai.operation.name` of a recorded endpoint: "chat" for chat
// completions and for the Responses API (which generates a model's reply to a conversation, as
// chat completions do; the convention has no value of its own for it), "text_completion",
// "embeddings"; "other" for anything else.
std::string_view operation_name(std::string_view endpoint);

struct ExpositionData {
  std::vector<ModelSeries> models;  // Named models by requests (most first), then "other".
  std::vector<LabelSeries> labels;  // Ordered by label, value, model, operation, streaming.
  // False: the token usage was not read; gen_ai_client_token_usage is left out, not shown as 0.
  bool has_token_usage = true;
};

// Reads everything /metrics shows at `now`: the all-time metrics and the per-model streaming
// split inside ONE read transaction (one snapshot), then the token usage via `tokens` (in a
// read transaction of its own). `tokens` null: the token usage is left out
// (has_token_usage false).
// Errors: as the reader reports them.
Result<ExpositionData> collect_exposition(db::Connection& connection, TokenUsageTracker* tokens,
                                          dao::TimePoint now, std::size_t top_models);

// Folds `metrics` (all models), the per-model streaming split `requests_by_model` and `tokens`
// into at most `top_models` named models plus "other", bounding label values too. Adds the
// status_code "none" samples for requests without a status. Pure.
ExpositionData fold_exposition(
    const dao::Metrics& metrics,
    const std::map<std::string, std::array<std::int64_t, 2>>& requests_by_model,
    const TokenUsageByModel& tokens, std::size_t top_models);

// The Prometheus text (format 0.0.4) of `data`; without gen_ai_client_token_usage unless
// data.has_token_usage. Pure.
std::string render_exposition(const ExpositionData& data);

}  // namespace safemig::metrics_server
