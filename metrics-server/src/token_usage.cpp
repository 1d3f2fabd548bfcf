// Token usage histograms built from the rows (see token_usage.h).
//
// Thread safety: TokenUsageTracker's state is guarded by mutex_.
#include "safemig/metrics_server/token_usage.h"

#include <algorithm>
#include <limits>
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

Result<TokenUsageTracker::Pages> TokenUsageTracker::read_pages(
    const dao::CompletionRequestsReader& reader, std::size_t max_pages) const {
  Pages pages;
  // A different row (or none) under the last id folded: the table was replaced; fold it all.
  if (last_row_.id > 0) {
    SAFEMIG_TRY(const auto kept, reader.token_counts_after(last_row_.id - 1, 1));
    pages.restart = kept.empty() || !(kept.front() == last_row_);
  }
  std::int64_t after = pages.restart ? 0 : last_row_.id;
  for (std::size_t read = 0; read < max_pages; ++read) {
    SAFEMIG_TRY(auto page, reader.token_counts_after(after, page_size_));
    pages.more = page.size() == page_size_;
    if (page.empty()) break;
    pages.rows += page.size();
    pages.newest = page.back();
    after = pages.newest->id;
    for (dao::RequestTokenCounts& row : page) {
      if (!row.prompt_tokens && !row.completion_tokens) continue;
      ModelTokenUsage& usage = pages.found[std::move(row.model)];
      if (row.prompt_tokens) usage.input.add(*row.prompt_tokens);
      if (row.completion_tokens) usage.output.add(*row.completion_tokens);
    }
    if (!pages.more) break;
  }
  return pages;
}

void TokenUsageTracker::merge(Pages pages) {
  if (pages.restart) {
    folded_.clear();
    last_row_ = {};
  }
  for (const auto& [model, usage] : pages.found) folded_[model].merge(usage);
  if (pages.newest) last_row_ = std::move(*pages.newest);
}

Result<TokenUsageByModel> TokenUsageTracker::collect(db::Connection& connection) {
  std::lock_guard lock(mutex_);
  const dao::CompletionRequestsReader reader(connection);
  std::optional<db::Transaction> snapshot;
  if (!connection.in_transaction()) {
    SAFEMIG_TRY(auto tx, db::Transaction::begin(connection, db::TransactionMode::deferred));
    snapshot.emplace(std::move(tx));
  }
  // Merged only once every page and the commit succeeded, so a failed call keeps nothing.
  SAFEMIG_TRY(Pages pages, read_pages(reader, std::numeric_limits<std::size_t>::max()));
  if (snapshot) SAFEMIG_TRY_VOID(snapshot->commit());
  merge(std::move(pages));
  complete_.store(true);
  return folded_;
}

Result<std::size_t> TokenUsageTracker::catch_up(db::Connection& connection, std::stop_token stop) {
  if (connection.in_transaction()) {
    return fail(ErrorCode::failed_precondition,
                "catching up on token usage needs a connection outside a transaction: each "
                "page is read in a transaction of its own");
  }
  const dao::CompletionRequestsReader reader(connection);
  std::size_t rows = 0;
  for (bool more = true; more && !stop.stop_requested();) {
    std::lock_guard lock(mutex_);
    SAFEMIG_TRY(auto snapshot, db::Transaction::begin(connection, db::TransactionMode::deferred));
    SAFEMIG_TRY(Pages pages, read_pages(reader, 1));
    SAFEMIG_TRY_VOID(snapshot.commit());
    more = pages.more;
    rows += pages.rows;
    merge(std::move(pages));
    if (!more) complete_.store(true);
  }
  return rows;
}

}  // namespace safemig::metrics_server
