// In-memory aggregation of requests into rollup values and label counts (see
// rollup_aggregate.h).
//
// Thread safety: a value type; one thread at a time.
#include "rollup_aggregate.h"

#include <charconv>

namespace safemig::dao::internal {

RollupValues& RollupAggregate::slot(std::int64_t bucket_ms, std::string_view model,
                                    bool is_streaming) {
  const auto key = std::tuple<std::int64_t, std::string_view, bool>(bucket_ms, model, is_streaming);
  auto it = rollups_.lower_bound(key);
  if (it == rollups_.end() || KeyLess{}(key, it->first)) {
    it = rollups_.emplace_hint(it, RollupKey{bucket_ms, std::string(model), is_streaming},
                               RollupValues{});
  }
  return it->second;
}

void RollupAggregate::add(const RollupRequest& request, std::int64_t sign) {
  RollupValues& values = slot(request.bucket_ms, request.model, request.is_streaming);
  if (sign == 1) {
    add_request(values, request.input);
  } else {
    RollupValues one{};
    add_request(one, request.input);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] += sign * one[i];
  }
  if (request.status_code) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, *request.status_code).ptr;
    add_label(request.bucket_ms, request.model, request.is_streaming, kLabelStatusCode,
              std::string_view(buffer, static_cast<std::size_t>(end - buffer)), sign);
  }
  if (request.finish_reason) {
    add_label(request.bucket_ms, request.model, request.is_streaming, kLabelFinishReason,
              *request.finish_reason, sign);
  }
  if (request.error_type) {
    add_label(request.bucket_ms, request.model, request.is_streaming, kLabelErrorType,
              *request.error_type, sign);
  }
}

void RollupAggregate::add_values(std::int64_t bucket_ms, std::string_view model, bool is_streaming,
                                 const RollupValues& values, std::int64_t sign) {
  RollupValues& slot_values = slot(bucket_ms, model, is_streaming);
  for (std::size_t i = 0; i < slot_values.size(); ++i) slot_values[i] += sign * values[i];
}

void RollupAggregate::drop_zeros() {
  std::erase_if(rollups_, [](const auto& entry) {
    for (const std::int64_t v : entry.second) {
      if (v != 0) return false;
    }
    return true;
  });
  std::erase_if(labels_, [](const auto& entry) { return entry.second == 0; });
}

void RollupAggregate::add_label(std::int64_t bucket_ms, std::string_view model, bool is_streaming,
                                std::string_view label, std::string_view value,
                                std::int64_t requests) {
  const auto key =
      std::tuple<std::int64_t, std::string_view, bool, std::string_view, std::string_view>(
          bucket_ms, model, is_streaming, label, value);
  auto it = labels_.lower_bound(key);
  if (it == labels_.end() || KeyLess{}(key, it->first)) {
    it = labels_.emplace_hint(it,
                              LabelKey{bucket_ms, std::string(model), is_streaming,
                                       std::string(label), std::string(value)},
                              0);
  }
  it->second += requests;
}

void RollupAggregate::clear() {
  rollups_.clear();
  labels_.clear();
}

}  // namespace safemig::dao::internal
