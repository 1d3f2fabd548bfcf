// The JSON representation of the DAO's values (see json_view.h).
//
// Thread safety: pure functions.
#include "safemig/metrics_server/json_view.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace safemig::metrics_server {
namespace {

namespace json = boost::json;

template <typename T>
json::value optional_json(const std::optional<T>& value) {
  if (!value) return nullptr;
  return json::value(*value);
}

json::value optional_model(const std::optional<std::string>& model) {
  if (!model) return nullptr;
  return json::value(*model);
}

void put_time(json::object& out, std::string_view name, dao::TimePoint t) {
  out[name] = dao::format_time(t);
  out[std::string(name) + "_ms"] = dao::to_epoch_ms(t);
}

}  // namespace

json::object range_json(const dao::TimeRange& range) {
  json::object out;
  put_time(out, "start", range.start);
  put_time(out, "end", range.end);
  return out;
}

json::object request_json(const dao::CompletionRequest& r) {
  json::object out;
  out["id"] = r.id;
  out["request_id"] = r.request_id;
  put_time(out, "timestamp", r.timestamp);
  out["model"] = r.model;
  out["endpoint"] = r.endpoint;
  out["success"] = r.success;
  out["status_code"] = optional_json(r.status_code);
  out["is_streaming"] = r.is_streaming;
  out["response_time_ms"] = r.response_time_ms;
  out["time_to_first_token_ms"] = optional_json(r.time_to_first_token_ms);
  out["time_to_last_token_ms"] = optional_json(r.time_to_last_token_ms);
  out["tokens_per_second"] = optional_json(r.tokens_per_second);
  out["prompt_tokens"] = optional_json(r.prompt_tokens);
  out["completion_tokens"] = optional_json(r.completion_tokens);
  out["total_tokens"] = optional_json(r.total_tokens);
  out["finish_reason"] = optional_json(r.finish_reason);
  out["error_type"] = optional_json(r.error_type);
  out["error_message"] = optional_json(r.error_message);
  out["origin"] = optional_json(r.origin);
  out["upstream"] = optional_json(r.upstream);
  out["max_tokens"] = optional_json(r.max_tokens);
  out["temperature"] = optional_json(r.temperature);
  out["top_p"] = optional_json(r.top_p);
  out["message_count"] = optional_json(r.message_count);
  return out;
}

json::object latency_json(const dao::LatencySummary& latency) {
  json::object out;
  out["count"] = latency.count;
  out["sum_ms"] = latency.sum_ms;
  out["avg_ms"] = optional_json(latency.avg_ms);
  out["p50_ms"] = optional_json(latency.p50_ms);
  out["p95_ms"] = optional_json(latency.p95_ms);
  out["p99_ms"] = optional_json(latency.p99_ms);
  out["max_ms"] = optional_json(latency.max_ms);
  json::array histogram;
  for (std::size_t i = 0; i < latency.buckets.size(); ++i) {
    json::object bucket;
    if (i < dao::kLatencyBucketBoundsMs.size()) {
      bucket["le_ms"] = dao::kLatencyBucketBoundsMs[i];
    } else {
      bucket["le_ms"] = nullptr;  // Above every bound.
    }
    bucket["count"] = latency.buckets[i];
    histogram.push_back(std::move(bucket));
  }
  out["histogram"] = std::move(histogram);
  return out;
}

json::object totals_json(const dao::UsageTotals& t) {
  json::object out;
  out["requests"] = t.requests;
  out["successes"] = t.successes;
  out["errors"] = t.errors;
  // No requests: no rate, as in an empty time series bucket.
  if (t.requests > 0) {
    out["error_rate"] = t.error_rate;
  } else {
    out["error_rate"] = nullptr;
  }
  out["prompt_tokens"] = t.prompt_tokens;
  out["completion_tokens"] = t.completion_tokens;
  out["total_tokens"] = t.total_tokens;
  out["response_time"] = latency_json(t.response_time);
  out["time_to_first_token"] = latency_json(t.time_to_first_token);
  out["time_to_last_token"] = latency_json(t.time_to_last_token);
  return out;
}

json::object requests_page_json(const dao::ListQuery& query, const dao::ListPage& page) {
  json::object out;
  out["range"] = range_json(query.range);
  out["model"] = optional_model(query.model);
  out["order"] = query.order == dao::ListOrder::newest_first ? "desc" : "asc";
  out["limit"] = query.limit;
  out["count"] = page.records.size();
  json::array records;
  records.reserve(page.records.size());
  for (const dao::CompletionRequest& r : page.records) records.push_back(request_json(r));
  out["requests"] = std::move(records);
  out["next_cursor"] = optional_json(page.next_cursor);
  return out;
}

json::object metrics_json(const dao::Metrics& m) {
  json::object out;
  out["range"] = range_json(m.range);
  out["model"] = optional_model(m.model);
  out["overall"] = totals_json(m.overall);
  out["streaming"] = totals_json(m.streaming);
  out["non_streaming"] = totals_json(m.non_streaming);
  json::object error_types;
  for (const auto& [type, requests] : m.error_types) error_types[type] = requests;
  out["error_types"] = std::move(error_types);
  json::object finish_reasons;
  json::object status_codes;
  for (const dao::LabelCount& label : m.labels) {
    json::object* target = nullptr;
    if (label.label == dao::kLabelFinishReason) target = &finish_reasons;
    if (label.label == dao::kLabelStatusCode) target = &status_codes;
    if (target == nullptr) continue;
    auto it = target->find(label.value);
    if (it == target->end()) it = target->emplace(label.value, std::int64_t{0}).first;
    it->value() = it->value().as_int64() + label.requests;
  }
  out["finish_reasons"] = std::move(finish_reasons);
  out["status_codes"] = std::move(status_codes);
  json::array models;
  for (const dao::ModelUsage& usage : m.models) {
    json::object model = totals_json(usage.totals);
    model.emplace("model", usage.model);
    models.push_back(std::move(model));
  }
  out["models"] = std::move(models);
  json::array endpoints;
  for (const dao::EndpointUsage& usage : m.endpoints) {
    json::object endpoint = totals_json(usage.totals);
    endpoint.emplace("endpoint", usage.endpoint);
    endpoints.push_back(std::move(endpoint));
  }
  out["endpoints"] = std::move(endpoints);
  return out;
}

json::object timeseries_json(const dao::TimeRange& range, const std::optional<std::string>& model,
                             std::chrono::milliseconds step,
                             const std::vector<dao::TimeseriesBucket>& buckets) {
  json::object out;
  out["range"] = range_json(range);
  out["model"] = optional_model(model);
  out["step_ms"] = step.count();
  out["step_seconds"] = step.count() / 1000;
  json::array items;
  items.reserve(buckets.size());
  for (const dao::TimeseriesBucket& b : buckets) {
    json::object item;
    put_time(item, "start", b.start);
    put_time(item, "end", b.end);
    item["requests"] = b.requests;
    item["errors"] = b.errors;
    if (b.requests > 0) {
      item["error_rate"] = static_cast<double>(b.errors) / static_cast<double>(b.requests);
    } else {
      item["error_rate"] = nullptr;
    }
    item["prompt_tokens"] = b.prompt_tokens;
    item["completion_tokens"] = b.completion_tokens;
    item["total_tokens"] = b.total_tokens;
    item["avg_response_time_ms"] = optional_json(b.avg_response_time_ms);
    item["avg_time_to_first_token_ms"] = optional_json(b.avg_time_to_first_token_ms);
    items.push_back(std::move(item));
  }
  out["buckets"] = std::move(items);
  return out;
}

}  // namespace safemig::metrics_server
