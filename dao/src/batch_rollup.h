// BatchRollup: one write batch aggregated per (minute, model, endpoint, streaming), then per hour
// and per
// day, ready to be upserted into the rollup tables (internal to the writer).
//
// Built for the writer's hot path: slots live in flat vectors found through small open-addressing
// indexes, models, endpoints and label values are views into the batch's records (no string
// copies), and status codes stay integers until they are written. The hour and day levels are
// folded from the minute level once per batch, so their cost is per key, not per request. Requests
// are counted exactly as add_request() and the v5 backfill count them.
//
// Lifetime: the views point into the records passed to add(); the aggregate is valid until those
// records change or clear() is called.
//
// Thread safety: a value type; one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/dao/rollup_layout.h"

namespace safemig::dao::internal {

enum class RollupLevel : std::size_t { minute, hour, day };
inline constexpr std::size_t kRollupLevelCount = 3;

enum class LabelKind : std::uint8_t { status_code, finish_reason, error_type };

// The label name stored in the label tables for `kind`.
std::string_view label_name(LabelKind kind);

// Maps hashed keys to positions in a slot vector (open addressing, linear probing).
class SlotIndex {
 public:
  static constexpr std::uint32_t kNone = 0xFFFF'FFFFu;

  void clear();
  // The position stored for a key with `hash` for which `equal(position)` holds, or kNone after
  // reserving room for one insertion: the caller then appends the slot and calls insert().
  template <typename Equal>
  std::uint32_t find(std::uint64_t hash, Equal&& equal) const;
  // Records that the key with `hash` lives at `position`. REQUIRES: find() returned kNone for it.
  void insert(std::uint64_t hash, std::uint32_t position);

 private:
  void grow();

  std::vector<std::uint32_t> table_ = std::vector<std::uint32_t>(64, kNone);
  std::vector<std::uint64_t> hashes_;  // hashes_[position]: for rehashing on growth.
};

template <typename Equal>
std::uint32_t SlotIndex::find(std::uint64_t hash, Equal&& equal) const {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
    const std::uint32_t position = table_[i];
    if (position == kNone) return kNone;
    if (hashes_[position] == hash && equal(position)) return position;
  }
}

class BatchRollup {
 public:
  struct Slot {
    std::int64_t bucket_ms = 0;
    std::string_view model;
    std::string_view endpoint;
    bool is_streaming = false;
    RollupValues values{};
  };
  struct LabelSlot {
    std::uint32_t slot = 0;  // Position of its (bucket, model, endpoint, streaming) key.
    LabelKind kind = LabelKind::status_code;
    std::int64_t code = 0;  // The status code, for LabelKind::status_code.
    std::string_view text;  // The value, for the other kinds.
    std::int64_t requests = 0;
  };
  struct Level {
    std::vector<Slot> slots;
    std::vector<LabelSlot> labels;
    SlotIndex slot_index;
    SlotIndex label_index;
  };

  // Empties every level, keeping the allocated storage.
  void clear();
  // Counts one request in the minute level. REQUIRES: finish() was not called since clear().
  void add(const CompletionRequest& record);
  // Folds the minute level into the hour level and the hour level into the day level.
  void finish();

  const Level& level(RollupLevel l) const { return levels_[static_cast<std::size_t>(l)]; }

 private:
  Level& mutable_level(RollupLevel l) { return levels_[static_cast<std::size_t>(l)]; }
  // Folds `from` into `to`, whose buckets are `unit_ms` long.
  void fold(const Level& from, Level& to, std::int64_t unit_ms);

  std::array<Level, kRollupLevelCount> levels_;
  std::vector<std::uint32_t> folded_;  // Slot of the coarser level per slot of the finer one.
};

}  // namespace safemig::dao::internal
