// Token usage histograms built from the rows (see token_usage.h).
//
// Thread safety: TokenUsageTracker's state is guarded by mutex_.
#include "safemig/metrics_server/token_usage.h"

#include <algorithm>

namespace safemig::metrics_server {

void TokenHistogram::add(std::int64_t tokens) {
  const auto value = static_cast<double>(tokens);
  const auto it = std::lower_bound(kTokenBucketBounds.begin(), kTokenBucketBounds.end(), value);
  ++counts[static_cast<std::size_t>(it - kTokenBucketBounds.begin())];
  sum += tokens;
}

void TokenHistogram::merge(const TokenHistogram& other) {
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  sum += other.sum;
}

std::uint64_t TokenHistogram::count() const {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts) total += c;
  return total;
}

void ModelTokenUsage::merge(const ModelTokenUsage& other) {
  input.merge(other.input);
  output.merge(other.output);
}

Result<void> scan_token_usage(const dao::CompletionRequestsReader& reader,
                              const dao::TimeRange& range, TokenUsageByModel& out) {
  TokenUsageByModel found;
  dao::ListQuery query;
  query.range = range;
  query.limit = dao::kMaxListLimit;
  query.order = dao::ListOrder::oldest_first;
  while (true) {
    SAFEMIG_TRY(const dao::ListPage page, reader.list(query));
    for (const dao::CompletionRequest& r : page.records) {
      if (!r.prompt_tokens && !r.completion_tokens) continue;
      ModelTokenUsage& usage = found[r.model];
      if (r.prompt_tokens) usage.input.add(*r.prompt_tokens);
      if (r.completion_tokens) usage.output.add(*r.completion_tokens);
    }
    if (!page.next_cursor) break;
    query.cursor = page.next_cursor;
  }
  for (const auto& [model, usage] : found) out[model].merge(usage);
  return {};
}

Result<TokenUsageByModel> TokenUsageTracker::collect(const dao::CompletionRequestsReader& reader,
                                                     dao::TimePoint now) {
  std::lock_guard lock(mutex_);
  const dao::TimePoint settle_point = now - settle_;
  if (settle_point > settled_until_) {
    SAFEMIG_TRY_VOID(scan_token_usage(reader, {settled_until_, settle_point}, settled_));
    settled_until_ = settle_point;
  }
  TokenUsageByModel usage = settled_;
  if (now > settled_until_) {
    SAFEMIG_TRY_VOID(scan_token_usage(reader, {settled_until_, now}, usage));
  }
  return usage;
}

}  // namespace safemig::metrics_server
