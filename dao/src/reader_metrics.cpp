// CompletionRequestsReader::metrics and ::timeseries: range aggregates from the rollups.
//
// Thread safety: one thread at a time, like the Connection it uses.
#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

#include "range_reader.h"
#include "read_snapshot.h"
#include "safemig/dao/completion_requests_reader.h"

namespace safemig::dao {
namespace {

Result<internal::RollupAggregate> read_aggregate(db::Connection& connection,
                                                 const internal::RangeRequest& request) {
  internal::RollupAggregate aggregate;
  SAFEMIG_TRY(auto snapshot, internal::ReadSnapshot::begin(connection));
  SAFEMIG_TRY_VOID(internal::read_range(connection, request, aggregate));
  SAFEMIG_TRY_VOID(snapshot.finish());
  return aggregate;
}

Metrics assemble(const internal::RollupAggregate& aggregate) {
  Metrics m;
  RollupValues overall{}, streaming{}, non_streaming{};
  std::map<std::string, RollupValues, std::less<>> per_model;
  std::map<std::string, RollupValues, std::less<>> per_endpoint;
  const auto merge_into = [](std::map<std::string, RollupValues, std::less<>>& sums,
                             const std::string& name, const RollupValues& values) {
    auto it = sums.find(name);
    if (it == sums.end()) it = sums.emplace(name, RollupValues{}).first;
    add_values(it->second, values);
  };
  std::map<std::tuple<std::string_view, std::string_view, bool>, std::int64_t> request_counts;
  for (const auto& [key, values] : aggregate.rollups()) {
    request_counts[{key.model, key.endpoint, key.is_streaming}] += values[kRequests];
    add_values(overall, values);
    add_values(key.is_streaming ? streaming : non_streaming, values);
    merge_into(per_model, key.model, values);
    merge_into(per_endpoint, key.endpoint, values);
  }
  for (const auto& [key, requests] : request_counts) {
    m.request_counts.push_back(
        {std::string(std::get<0>(key)), std::string(std::get<1>(key)), std::get<2>(key), requests});
  }
  m.overall = totals_from(overall);
  m.streaming = totals_from(streaming);
  m.non_streaming = totals_from(non_streaming);
  for (const auto& [model, values] : per_model) m.models.push_back({model, totals_from(values)});
  std::stable_sort(m.models.begin(), m.models.end(), [](const ModelUsage& a, const ModelUsage& b) {
    return a.totals.requests > b.totals.requests;
  });
  for (const auto& [endpoint, values] : per_endpoint) {
    m.endpoints.push_back({endpoint, totals_from(values)});
  }
  std::stable_sort(m.endpoints.begin(), m.endpoints.end(),
                   [](const EndpointUsage& a, const EndpointUsage& b) {
                     return a.totals.requests > b.totals.requests;
                   });
  std::map<std::tuple<std::string, std::string, std::string, std::string, bool>, std::int64_t>
      labels;
  for (const auto& [key, requests] : aggregate.labels()) {
    labels[{key.label, key.value, key.model, key.endpoint, key.is_streaming}] += requests;
    if (key.label == kLabelErrorType) m.error_types[key.value] += requests;
  }
  for (const auto& [key, requests] : labels) {
    m.labels.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<4>(key),
                        requests, std::get<3>(key)});
  }
  return m;
}

std::optional<double> average(std::int64_t sum, std::int64_t count) {
  if (count <= 0) return std::nullopt;
  return static_cast<double>(sum) / static_cast<double>(count);
}

}  // namespace

Result<Metrics> CompletionRequestsReader::metrics(const TimeRange& range,
                                                  const std::optional<std::string>& model) const {
  internal::RangeRequest request;
  request.from_ms = to_epoch_ms(range.start);
  request.to_ms = to_epoch_ms(range.end);
  request.model = &model;
  SAFEMIG_TRY(const auto aggregate, read_aggregate(*connection_, request));
  Metrics m = assemble(aggregate);
  m.range = range;
  m.model = model;
  return m;
}

Result<std::vector<TimeseriesBucket>> CompletionRequestsReader::timeseries(
    const TimeRange& range, std::chrono::milliseconds step,
    const std::optional<std::string>& model) const {
  const std::int64_t step_ms = step.count();
  if (step_ms <= 0 || step_ms % kMinuteMs != 0) {
    return fail(ErrorCode::invalid_input, "invalid step of " + std::to_string(step_ms) +
                                              " ms: expected a positive whole number of minutes");
  }
  const std::int64_t from = to_epoch_ms(range.start);
  const std::int64_t to = to_epoch_ms(range.end);
  std::vector<TimeseriesBucket> buckets;
  if (from >= to) return buckets;
  const std::int64_t first = floor_to(from, step_ms);
  const std::int64_t count = (to - 1 - first) / step_ms + 1;
  if (count > kMaxTimeseriesBuckets) {
    return fail(ErrorCode::invalid_input,
                "the range needs " + std::to_string(count) + " buckets of " +
                    std::to_string(step_ms) + " ms: expected at most " +
                    std::to_string(kMaxTimeseriesBuckets) + " (choose a larger step)");
  }
  internal::RangeRequest request;
  request.from_ms = from;
  request.to_ms = to;
  request.model = &model;
  request.step_ms = step_ms;
  request.with_labels = false;
  SAFEMIG_TRY(const auto aggregate, read_aggregate(*connection_, request));

  std::vector<RollupValues> sums(static_cast<std::size_t>(count), RollupValues{});
  for (const auto& [key, values] : aggregate.rollups()) {
    add_values(sums[static_cast<std::size_t>((key.bucket_ms - first) / step_ms)], values);
  }
  buckets.reserve(sums.size());
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const std::int64_t slot = first + static_cast<std::int64_t>(i) * step_ms;
    const RollupValues& v = sums[i];
    TimeseriesBucket b;
    b.start = from_epoch_ms(std::max(slot, from));
    b.end = from_epoch_ms(std::min(slot + step_ms, to));
    b.requests = v[kRequests];
    b.errors = v[kErrors];
    b.prompt_tokens = v[kPromptTokens];
    b.completion_tokens = v[kCompletionTokens];
    b.total_tokens = v[kTotalTokens];
    b.avg_response_time_ms = average(v[kResponseTimeSumMs], v[kRequests]);
    b.avg_time_to_first_token_ms = average(v[kTtftSumMs], v[kTtftCount]);
    buckets.push_back(b);
  }
  return buckets;
}

}  // namespace safemig::dao
