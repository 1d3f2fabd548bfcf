// In-memory aggregation of requests into rollup values and label counts (see
// rollup_aggregate.h).
//
// Thread safety: a value type; one thread at a time.
#include "rollup_aggregate.h"

#include <charconv>

namespace safemig::dao::internal {

RollupValues& RollupAggregate::slot(std::int64_t bucket_ms, std::string_view model,
                                    std::string_view endpoint, bool is_streaming) {
  const auto key = std::tuple<std::int64_t, std::string_view, std::string_view, bool>(
      bucket_ms, model, endpoint, is_streaming);
  auto it = rollups_.lower_bound(key);
  if (it == rollups_.end() || KeyLess{}(key, it->first)) {
    it = rollups_.emplace_hint(
        it, RollupKey{bucket_ms, std::string(model), std::string(endpoint), is_streaming},
        RollupValues{});
  }
  return it->second;
}

void RollupAggregate::add(const RollupRequest& request) {
  add_request(slot(request.bucket_ms, request.model, request.endpoint, request.is_streaming),
              request.input);
  const auto label = [&](std::string_view name, std::string_view value) {
    add_label(request.bucket_ms, request.model, request.endpoint, request.is_streaming, name, value,
              1);
  };
  if (request.status_code) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, *request.status_code).ptr;
    label(kLabelStatusCode, std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
  }
  if (request.finish_reason) label(kLabelFinishReason, *request.finish_reason);
  if (request.error_type) label(kLabelErrorType, *request.error_type);
}

void RollupAggregate::add_values(std::int64_t bucket_ms, std::string_view model,
                                 std::string_view endpoint, bool is_streaming,
                                 const RollupValues& values) {
  dao::add_values(slot(bucket_ms, model, endpoint, is_streaming), values);
}

void RollupAggregate::add_label(std::int64_t bucket_ms, std::string_view model,
                                std::string_view endpoint, bool is_streaming,
                                std::string_view label, std::string_view value,
                                std::int64_t requests) {
  const auto key =
      std::tuple<std::int64_t, std::string_view, std::string_view, bool, std::string_view,
                 std::string_view>(bucket_ms, model, endpoint, is_streaming, label, value);
  auto it = labels_.lower_bound(key);
  if (it == labels_.end() || KeyLess{}(key, it->first)) {
    it = labels_.emplace_hint(it,
                              LabelKey{bucket_ms, std::string(model), std::string(endpoint),
                                       is_streaming, std::string(label), std::string(value)},
                              0);
  }
  it->second += requests;
}

void RollupAggregate::clear() {
  rollups_.clear();
  labels_.clear();
}

}  // namespace safemig::dao::internal
