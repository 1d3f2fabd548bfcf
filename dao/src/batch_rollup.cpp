// Flat per-batch rollup aggregation for the writer (see batch_rollup.h).
//
// Thread safety: a value type; one thread at a time.
#include "batch_rollup.h"

#include <algorithm>
#include <functional>

namespace safemig::dao::internal {
namespace {

std::uint64_t mix(std::uint64_t h) {
  // The finaliser of MurmurHash3: spreads every input bit over the low bits used as the index.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::uint64_t text_hash(std::string_view text) { return std::hash<std::string_view>{}(text); }

std::uint64_t slot_hash(std::int64_t bucket_ms, std::uint64_t model_hash,
                        std::uint64_t endpoint_hash, bool is_streaming) {
  return mix(static_cast<std::uint64_t>(bucket_ms) ^ (model_hash << 1) ^
             (endpoint_hash * 0x9e3779b97f4a7c15ULL) ^ (is_streaming ? 1u : 0u));
}

std::uint64_t label_hash(std::uint32_t slot, LabelKind kind, std::int64_t code,
                         std::uint64_t text_hash_value) {
  return mix((static_cast<std::uint64_t>(slot) << 2) ^ static_cast<std::uint64_t>(kind) ^
             (static_cast<std::uint64_t>(code) << 34) ^ (text_hash_value << 1));
}

std::uint32_t slot_in(BatchRollup::Level& level, std::int64_t bucket_ms, std::string_view model,
                      std::string_view endpoint, bool is_streaming) {
  const std::uint64_t hash =
      slot_hash(bucket_ms, text_hash(model), text_hash(endpoint), is_streaming);
  const std::uint32_t found = level.slot_index.find(hash, [&](std::uint32_t p) {
    const BatchRollup::Slot& s = level.slots[p];
    return s.bucket_ms == bucket_ms && s.is_streaming == is_streaming && s.model == model &&
           s.endpoint == endpoint;
  });
  if (found != SlotIndex::kNone) return found;
  const auto position = static_cast<std::uint32_t>(level.slots.size());
  BatchRollup::Slot& slot = level.slots.emplace_back();
  slot.bucket_ms = bucket_ms;
  slot.model = model;
  slot.endpoint = endpoint;
  slot.is_streaming = is_streaming;
  level.slot_index.insert(hash, position);
  return position;
}

void count_label(BatchRollup::Level& level, std::uint32_t slot, LabelKind kind, std::int64_t code,
                 std::string_view text, std::int64_t requests) {
  const std::uint64_t hash = label_hash(slot, kind, code, text_hash(text));
  const std::uint32_t found = level.label_index.find(hash, [&](std::uint32_t p) {
    const BatchRollup::LabelSlot& l = level.labels[p];
    return l.slot == slot && l.kind == kind && l.code == code && l.text == text;
  });
  if (found != SlotIndex::kNone) {
    level.labels[found].requests += requests;
    return;
  }
  level.label_index.insert(hash, static_cast<std::uint32_t>(level.labels.size()));
  level.labels.push_back({slot, kind, code, text, requests});
}

}  // namespace

std::string_view label_name(LabelKind kind) {
  switch (kind) {
    case LabelKind::status_code:
      return kLabelStatusCode;
    case LabelKind::finish_reason:
      return kLabelFinishReason;
    case LabelKind::error_type:
      break;
  }
  return kLabelErrorType;
}

void SlotIndex::clear() {
  std::fill(table_.begin(), table_.end(), kNone);
  hashes_.clear();
}

void SlotIndex::insert(std::uint64_t hash, std::uint32_t position) {
  if (hashes_.size() <= position) hashes_.resize(position + 1);
  hashes_[position] = hash;
  // At most half full, so find() always meets an empty entry.
  if (2 * hashes_.size() > table_.size()) {
    grow();
    return;
  }
  const std::size_t mask = table_.size() - 1;
  std::size_t i = static_cast<std::size_t>(hash) & mask;
  while (table_[i] != kNone) i = (i + 1) & mask;
  table_[i] = position;
}

void SlotIndex::grow() {
  table_.assign(table_.size() * 2, kNone);
  const std::size_t mask = table_.size() - 1;
  for (std::uint32_t position = 0; position < hashes_.size(); ++position) {
    std::size_t i = static_cast<std::size_t>(hashes_[position]) & mask;
    while (table_[i] != kNone) i = (i + 1) & mask;
    table_[i] = position;
  }
}

void BatchRollup::clear() {
  for (Level& level : levels_) {
    level.slots.clear();
    level.labels.clear();
    level.slot_index.clear();
    level.label_index.clear();
  }
}

void BatchRollup::add(const CompletionRequest& r) {
  Level& minutes = mutable_level(RollupLevel::minute);
  const std::int64_t minute = floor_to(to_epoch_ms(r.timestamp), kMinuteMs);
  const std::uint32_t slot = slot_in(minutes, minute, r.model, r.endpoint, r.is_streaming);
  RollupInput input;
  input.success = r.success;
  input.response_time_ms = r.response_time_ms;
  input.prompt_tokens = r.prompt_tokens;
  input.completion_tokens = r.completion_tokens;
  input.total_tokens = r.total_tokens;
  input.time_to_first_token_ms = r.time_to_first_token_ms;
  input.time_to_last_token_ms = r.time_to_last_token_ms;
  add_request(minutes.slots[slot].values, input);
  if (r.status_code) count_label(minutes, slot, LabelKind::status_code, *r.status_code, {}, 1);
  if (r.finish_reason) {
    count_label(minutes, slot, LabelKind::finish_reason, 0, *r.finish_reason, 1);
  }
  if (r.error_type) count_label(minutes, slot, LabelKind::error_type, 0, *r.error_type, 1);
}

void BatchRollup::fold(const Level& from, Level& to, std::int64_t unit_ms) {
  folded_.clear();
  for (const Slot& s : from.slots) {
    const std::uint32_t slot =
        slot_in(to, floor_to(s.bucket_ms, unit_ms), s.model, s.endpoint, s.is_streaming);
    add_values(to.slots[slot].values, s.values);
    folded_.push_back(slot);
  }
  for (const LabelSlot& l : from.labels) {
    count_label(to, folded_[l.slot], l.kind, l.code, l.text, l.requests);
  }
}

void BatchRollup::finish() {
  fold(level(RollupLevel::minute), mutable_level(RollupLevel::hour), kHourMs);
  fold(level(RollupLevel::hour), mutable_level(RollupLevel::day), kDayMs);
}

}  // namespace safemig::dao::internal
