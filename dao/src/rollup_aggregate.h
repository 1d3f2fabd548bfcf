// RollupAggregate: rollup values and label counts aggregated in memory, keyed by time bucket,
// model, endpoint and streaming flag (internal to dao). The reader builds one from the rollup
// rows of a range and the raw rows at its edges (range_reader.h); requests are counted with
// add_request() and rows merged with add_values(), as the writer's BatchRollup does.
//
// Thread safety: a value type; one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "safemig/dao/rollup_layout.h"

namespace safemig::dao::internal {

struct RollupKey {
  std::int64_t bucket_ms = 0;
  std::string model;
  std::string endpoint;
  bool is_streaming = false;
  friend bool operator==(const RollupKey&, const RollupKey&) = default;
};

struct LabelKey {
  std::int64_t bucket_ms = 0;
  std::string model;
  std::string endpoint;
  bool is_streaming = false;
  std::string label;
  std::string value;
  friend bool operator==(const LabelKey&, const LabelKey&) = default;
};

// Transparent ordering so that lookups by string_view allocate nothing.
struct KeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return as_tuple(a) < as_tuple(b);
  }
  static auto as_tuple(const RollupKey& k) {
    return std::tuple<std::int64_t, std::string_view, std::string_view, bool>(
        k.bucket_ms, k.model, k.endpoint, k.is_streaming);
  }
  static auto as_tuple(const LabelKey& k) {
    return std::tuple<std::int64_t, std::string_view, std::string_view, bool, std::string_view,
                      std::string_view>(k.bucket_ms, k.model, k.endpoint, k.is_streaming, k.label,
                                        k.value);
  }
  template <typename... T>
  static const std::tuple<T...>& as_tuple(const std::tuple<T...>& t) {
    return t;
  }
};

// One request as the rollups see it.
struct RollupRequest {
  std::int64_t bucket_ms = 0;
  std::string_view model;
  std::string_view endpoint;
  bool is_streaming = false;
  RollupInput input;
  std::optional<std::int64_t> status_code;
  std::optional<std::string_view> finish_reason;
  std::optional<std::string_view> error_type;
};

class RollupAggregate {
 public:
  // Adds one request.
  void add(const RollupRequest& request);
  // Merges a rollup row's values (dao::add_values) / adds a label row's count.
  void add_values(std::int64_t bucket_ms, std::string_view model, std::string_view endpoint,
                  bool is_streaming, const RollupValues& values);
  void add_label(std::int64_t bucket_ms, std::string_view model, std::string_view endpoint,
                 bool is_streaming, std::string_view label, std::string_view value,
                 std::int64_t requests);
  void clear();

  const std::map<RollupKey, RollupValues, KeyLess>& rollups() const { return rollups_; }
  const std::map<LabelKey, std::int64_t, KeyLess>& labels() const { return labels_; }

 private:
  RollupValues& slot(std::int64_t bucket_ms, std::string_view model, std::string_view endpoint,
                     bool is_streaming);

  std::map<RollupKey, RollupValues, KeyLess> rollups_;
  std::map<LabelKey, std::int64_t, KeyLess> labels_;
};

}  // namespace safemig::dao::internal
