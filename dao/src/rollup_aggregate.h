// RollupAggregate: rollup values and label counts aggregated in memory, keyed by time bucket,
// model and streaming flag (internal to dao). The reader builds one from the rollup rows of a
// range and the raw rows at its edges, adding or subtracting each (range_reader.h); requests are
// counted with add_request(), as the writer's BatchRollup counts them.
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
  bool is_streaming = false;
  friend bool operator==(const RollupKey&, const RollupKey&) = default;
};

struct LabelKey {
  std::int64_t bucket_ms = 0;
  std::string model;
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
    return std::tuple<std::int64_t, std::string_view, bool>(k.bucket_ms, k.model, k.is_streaming);
  }
  static auto as_tuple(const LabelKey& k) {
    return std::tuple<std::int64_t, std::string_view, bool, std::string_view, std::string_view>(
        k.bucket_ms, k.model, k.is_streaming, k.label, k.value);
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
  bool is_streaming = false;
  RollupInput input;
  std::optional<std::int64_t> status_code;
  std::optional<std::string_view> finish_reason;
  std::optional<std::string_view> error_type;
};

class RollupAggregate {
 public:
  // Adds (sign +1) or subtracts (sign -1) one request.
  void add(const RollupRequest& request, std::int64_t sign = 1);
  // Adds a rollup row's values / a label row's count, multiplied by `sign` (+1 or -1).
  void add_values(std::int64_t bucket_ms, std::string_view model, bool is_streaming,
                  const RollupValues& values, std::int64_t sign = 1);
  void add_label(std::int64_t bucket_ms, std::string_view model, bool is_streaming,
                 std::string_view label, std::string_view value, std::int64_t requests);
  // Removes the entries whose values are all zero: what subtracting a subset from a superset
  // leaves for keys that only the subset held. An aggregate of requests has no such entry.
  void drop_zeros();
  void clear();

  const std::map<RollupKey, RollupValues, KeyLess>& rollups() const { return rollups_; }
  const std::map<LabelKey, std::int64_t, KeyLess>& labels() const { return labels_; }

 private:
  RollupValues& slot(std::int64_t bucket_ms, std::string_view model, bool is_streaming);

  std::map<RollupKey, RollupValues, KeyLess> rollups_;
  std::map<LabelKey, std::int64_t, KeyLess> labels_;
};

}  // namespace safemig::dao::internal
