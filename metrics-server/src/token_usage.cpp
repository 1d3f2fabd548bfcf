// Token usage histograms built from the rows (see token_usage.h).
//
// Thread safety: TokenUsageTracker's state is guarded by mutex_.
#include "safemig/metrics_server/token_usage.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "safemig/db/transaction.h"

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

Result<TokenUsageByModel> TokenUsageTracker::collect(db::Connection& connection) {
  std::lock_guard lock(mutex_);
  const dao::CompletionRequestsReader reader(connection);
  std::optional<db::Transaction> snapshot;
  if (!connection.in_transaction()) {
    SAFEMIG_TRY(auto tx, db::Transaction::begin(connection, db::TransactionMode::deferred));
    snapshot.emplace(std::move(tx));
  }
  // Folded apart from folded_ and merged only once every page and the commit succeeded, so a
  // failed call keeps nothing.
  TokenUsageByModel found;
  // A different row (or none) under the last id folded: the table was replaced; fold it all.
  bool restart = false;
  if (last_row_.id > 0) {
    SAFEMIG_TRY(const auto kept, reader.token_counts_after(last_row_.id - 1, 1));
    restart = kept.empty() || !(kept.front() == last_row_);
  }
  std::optional<dao::RequestTokenCounts> newest;
  std::int64_t after = restart ? 0 : last_row_.id;
  while (true) {
    SAFEMIG_TRY(auto page, reader.token_counts_after(after, page_size_));
    if (page.empty()) break;
    newest = page.back();
    after = newest->id;
    for (dao::RequestTokenCounts& row : page) {
      if (!row.prompt_tokens && !row.completion_tokens) continue;
      ModelTokenUsage& usage = found[std::move(row.model)];
      if (row.prompt_tokens) usage.input.add(*row.prompt_tokens);
      if (row.completion_tokens) usage.output.add(*row.completion_tokens);
    }
    if (page.size() < page_size_) break;
  }
  if (snapshot) SAFEMIG_TRY_VOID(snapshot->commit());
  if (restart) {
    folded_.clear();
    last_row_ = {};
  }
  for (const auto& [model, usage] : found) folded_[model].merge(usage);
  if (newest) last_row_ = std::move(*newest);
  return folded_;
}

}  // namespace safemig::metrics_server
