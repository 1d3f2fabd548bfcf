// Folding the all-time metrics into bounded label sets, and rendering them as Prometheus text
// (see exposition.h).
//
// Thread safety: pure functions.
#include "safemig/metrics_server/exposition.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "safemig/http/prometheus.h"

namespace safemig::metrics_server {
namespace {

void merge_latency(dao::LatencySummary& into, const dao::LatencySummary& from) {
  into.count += from.count;
  into.sum_ms += from.sum_ms;
  for (std::size_t i = 0; i < into.buckets.size(); ++i) into.buckets[i] += from.buckets[i];
}

// The values of `label` that keep their name: the kTopLabelValues with the most requests.
std::set<std::string, std::less<>> top_values(const std::vector<dao::LabelCount>& labels,
                                              std::string_view label) {
  std::map<std::string, std::int64_t, std::less<>> totals;
  for (const dao::LabelCount& l : labels) {
    if (l.label == label && l.value.size() <= kMaxLabelValueBytes) totals[l.value] += l.requests;
  }
  std::vector<std::pair<std::string, std::int64_t>> ranked(totals.begin(), totals.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::set<std::string, std::less<>> out;
  for (std::size_t i = 0; i < ranked.size() && i < kTopLabelValues; ++i) {
    out.insert(ranked[i].first);
  }
  return out;
}

using LabelKey = std::tuple<std::string, std::string, std::string, std::string, bool>;

std::vector<LabelSeries> fold_labels(const dao::Metrics& metrics,
                                     const std::set<std::string, std::less<>>& named) {
  const auto model_label = [&named](const std::string& model) {
    return named.contains(model) ? model : std::string(kOtherLabel);
  };
  const auto kept_errors = top_values(metrics.labels, dao::kLabelErrorType);
  const auto kept_reasons = top_values(metrics.labels, dao::kLabelFinishReason);
  const auto kept_statuses = top_values(metrics.labels, dao::kLabelStatusCode);
  std::map<LabelKey, std::int64_t> folded;
  // Requests with a status, and all requests, per (model, operation, streaming).
  using RequestKey = std::tuple<std::string, std::string, bool>;
  std::map<RequestKey, std::int64_t> with_status;
  std::map<RequestKey, std::int64_t> requests;
  for (const dao::LabelCount& l : metrics.labels) {
    std::string value = l.value;
    if ((l.label == dao::kLabelErrorType && !kept_errors.contains(value)) ||
        (l.label == dao::kLabelFinishReason && !kept_reasons.contains(value)) ||
        (l.label == dao::kLabelStatusCode && !kept_statuses.contains(value))) {
      value = kOtherLabel;
    }
    const std::string model = model_label(l.model);
    const std::string operation(operation_name(l.endpoint));
    folded[{l.label, value, model, operation, l.is_streaming}] += l.requests;
    if (l.label == dao::kLabelStatusCode)
      with_status[{model, operation, l.is_streaming}] += l.requests;
  }
  for (const dao::RequestCount& c : metrics.request_counts) {
    requests[{model_label(c.model), std::string(operation_name(c.endpoint)), c.is_streaming}] +=
        c.requests;
  }
  for (const auto& [key, count] : requests) {
    const std::int64_t missing = count - with_status[key];
    if (missing > 0) {
      folded[{std::string(dao::kLabelStatusCode), std::string(kNoStatusLabel), std::get<0>(key),
              std::get<1>(key), std::get<2>(key)}] += missing;
    }
  }
  std::vector<LabelSeries> out;
  out.reserve(folded.size());
  for (const auto& [key, count] : folded) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<4>(key), count,
                   std::get<3>(key)});
  }
  return out;
}

std::vector<double> latency_bounds_seconds() {
  std::vector<double> out;
  out.reserve(dao::kLatencyBucketBoundsMs.size());
  for (const std::int64_t ms : dao::kLatencyBucketBoundsMs) {
    out.push_back(static_cast<double>(ms) / 1000.0);
  }
  return out;
}

void latency_histogram(http::PrometheusText& text, std::string_view name, std::string_view help,
                       const std::string& model, const dao::LatencySummary& latency) {
  static const std::vector<double> kBounds = latency_bounds_seconds();
  std::vector<std::uint64_t> counts;
  for (const std::int64_t c : latency.buckets) counts.push_back(static_cast<std::uint64_t>(c));
  text.histogram(name, help, {{"gen_ai_request_model", model}}, kBounds, counts,
                 static_cast<double>(latency.sum_ms) / 1000.0);
}

void token_histogram(http::PrometheusText& text, const std::string& model, std::string_view type,
                     const TokenHistogram& histogram) {
  static const std::vector<double> kBounds(kTokenBucketBounds.begin(), kTokenBucketBounds.end());
  text.histogram("gen_ai_client_token_usage",
                 "Tokens used per request, by model and token type (input: prompt, output: "
                 "completion), of the requests that reported usage.",
                 {{"gen_ai_request_model", model}, {"gen_ai_token_type", std::string(type)}},
                 kBounds,
                 std::vector<std::uint64_t>(histogram.counts.begin(), histogram.counts.end()),
                 static_cast<double>(histogram.sum));
}

struct CounterFamily {
  std::string_view label;
  std::string_view name;
  std::string_view help;
};

constexpr std::array<CounterFamily, 3> kCounterFamilies = {{
    {dao::kLabelStatusCode, "llm_proxy_requests_total",
     "Requests recorded, by model, operation, HTTP status code (none: no status was received) "
     "and streaming."},
    {dao::kLabelErrorType, "llm_proxy_errors_total",
     "Failed requests, by model, operation, error type and streaming."},
    {dao::kLabelFinishReason, "llm_proxy_finish_reasons_total",
     "Requests by model, operation, finish reason and streaming."},
}};

}  // namespace

std::string_view operation_name(std::string_view endpoint) {
  if (endpoint == "chat/completions" || endpoint == "responses") return "chat";
  if (endpoint == "completions") return "text_completion";
  if (endpoint == "embeddings") return "embeddings";
  return kOtherLabel;
}

ExpositionData fold_exposition(
    const dao::Metrics& metrics,
    const std::map<std::string, std::array<std::int64_t, 2>>& requests_by_model,
    const TokenUsageByModel& tokens, std::size_t top_models) {
  ExpositionData data;
  std::set<std::string, std::less<>> named;
  ModelSeries other;
  other.model = kOtherLabel;
  other.requests = {metrics.non_streaming.requests, metrics.streaming.requests};
  bool has_other = false;
  std::set<std::string_view> recorded;
  for (const dao::ModelUsage& usage : metrics.models) {
    recorded.insert(usage.model);
    // A model that is itself named "other" is reported with the overflow: naming it too would
    // give two series with the same labels. So is a name over the label bound (stored before the
    // writer bounded names).
    if (named.size() < top_models && usage.model != kOtherLabel &&
        usage.model.size() <= kMaxLabelValueBytes) {
      named.insert(usage.model);
      ModelSeries series;
      series.model = usage.model;
      const auto it = requests_by_model.find(usage.model);
      if (it != requests_by_model.end()) series.requests = it->second;
      series.response_time = usage.totals.response_time;
      series.time_to_first_token = usage.totals.time_to_first_token;
      other.requests[0] -= series.requests[0];
      other.requests[1] -= series.requests[1];
      data.models.push_back(std::move(series));
    } else {
      has_other = true;
      merge_latency(other.response_time, usage.totals.response_time);
      merge_latency(other.time_to_first_token, usage.totals.time_to_first_token);
    }
  }
  for (const auto& [token_model, usage] : tokens) {
    const std::string& model = token_model;  // A name a lambda can capture.
    // Token usage covers every row, the rest only those before `now`: a model seen only in rows
    // stamped later waits until they are due, so that it never passes through "other" (whose
    // counts would then fall) on its way to its own series.
    if (!recorded.contains(model)) continue;
    auto it = std::find_if(data.models.begin(), data.models.end(),
                           [&model](const ModelSeries& s) { return s.model == model; });
    if (it != data.models.end()) {
      it->tokens.merge(usage);
    } else {
      has_other = true;
      other.tokens.merge(usage);
    }
  }
  if (has_other) data.models.push_back(std::move(other));
  data.labels = fold_labels(metrics, named);
  return data;
}

std::string render_exposition(const ExpositionData& data) {
  http::PrometheusText text;
  for (const ModelSeries& m : data.models) {
    latency_histogram(text, "gen_ai_server_request_duration_seconds",
                      "Duration of completion requests (whole request, as the proxy saw it), by "
                      "model.",
                      m.model, m.response_time);
  }
  for (const ModelSeries& m : data.models) {
    latency_histogram(text, "gen_ai_server_time_to_first_token_seconds",
                      "Time to the first streamed token of streaming completion requests, by "
                      "model.",
                      m.model, m.time_to_first_token);
  }
  if (data.has_token_usage) {
    for (const ModelSeries& m : data.models) {
      token_histogram(text, m.model, "input", m.tokens.input);
      token_histogram(text, m.model, "output", m.tokens.output);
    }
  }
  for (const CounterFamily& family : kCounterFamilies) {
    for (const LabelSeries& l : data.labels) {
      if (l.label != family.label) continue;
      text.counter(family.name, family.help,
                   {{"model", l.model},
                    {"gen_ai_operation_name", l.operation},
                    {l.label, l.value},
                    {"streaming", l.streaming ? "true" : "false"}},
                   static_cast<double>(l.requests));
    }
  }
  return text.text();
}

}  // namespace safemig::metrics_server
