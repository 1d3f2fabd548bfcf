// Token usage per request as histograms (gen_ai_client_token_usage), per model and token type.
//
// The rollup tables keep token sums only, so the distribution is built from the rows. Rows are
// only ever appended and a committed row has a larger id than every row committed before it,
// so TokenUsageTracker keeps the totals folded so far and the largest id folded, and each
// scrape reads only the rows with a larger id (CompletionRequestsReader::token_counts_after).
// The distribution therefore covers every row in the database exactly once, whatever its
// timestamp: a row that reaches the database long after its timestamp (replayed from the
// recorder's spill journal) is counted by the next scrape, and a row timestamped after the
// scrape is counted as well. The counts and sums are monotonic; a scrape costs O(new rows),
// the first one after a start O(all rows). When the last row folded is gone or is another row
// (the database was restored from a backup or replaced), the totals start again from the rows
// there are now: a counter reset, which Prometheus' rate() and increase() expect.
//
// Thread safety: TokenHistogram is a value type; TokenUsageTracker::collect may be called from
// any thread (calls are serialised by an internal mutex).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "safemig/dao/completion_requests_reader.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::metrics_server {

// Upper bounds of the token histogram buckets: powers of 4 from 1 to 4^13 (the OpenTelemetry
// GenAI semantic conventions' advice for gen_ai.client.token.usage).
inline constexpr std::array<double, 14> kTokenBucketBounds = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};

struct TokenHistogram {
  std::array<std::uint64_t, kTokenBucketBounds.size() + 1> counts{};  // Last: above all bounds.
  std::int64_t sum = 0;

  // Counts one request that used `tokens` (>= 0) tokens.
  void add(std::int64_t tokens);
  void merge(const TokenHistogram& other);
  std::uint64_t count() const;
  friend bool operator==(const TokenHistogram&, const TokenHistogram&) = default;
};

// Input (prompt) and output (completion) tokens of the requests that reported usage.
struct ModelTokenUsage {
  TokenHistogram input;
  TokenHistogram output;
  void merge(const ModelTokenUsage& other);
  friend bool operator==(const ModelTokenUsage&, const ModelTokenUsage&) = default;
};

using TokenUsageByModel = std::map<std::string, ModelTokenUsage, std::less<>>;

// Rows TokenUsageTracker reads per query.
inline constexpr std::size_t kTokenUsagePageSize = 5'000;

class TokenUsageTracker {
 public:
  // `page_size`: rows per query, 1..dao::kMaxTokenCountsLimit (collect fails with invalid_input
  // otherwise).
  explicit TokenUsageTracker(std::size_t page_size = kTokenUsagePageSize) : page_size_(page_size) {}

  // Folds the rows committed since the last successful call (every row, on the first one) into
  // the kept totals and returns them: the token usage of every row in the database. The rows are
  // read in pages of page_size inside one deferred read transaction on `connection` (or inside
  // the caller's transaction, when the connection is in one), so a call sees one snapshot.
  // `connection` must be at schema v4. Errors: as the reader reports them; a failed call keeps
  // nothing of what it read, so the next call reads the same rows again.
  Result<TokenUsageByModel> collect(db::Connection& connection);

  // Folds the rows not folded yet as collect() does, but one page per read transaction of its
  // own, letting other calls in between pages, until the rows run out or `stop` is requested.
  // Run at start, it takes the first scrape's O(all rows) off the request path without holding
  // a read snapshot for the whole table. `connection` must not be in a transaction (Errors:
  // failed_precondition). Returns the rows read; errors as collect(), and what the failed page
  // read is read again by the next call.
  Result<std::size_t> catch_up(db::Connection& connection, std::stop_token stop = {});

  // Whether a call has folded every row there was: a collect(), or a catch_up() that read to the
  // end. Until then the kept totals miss rows. Any thread.
  bool complete() const { return complete_.load(); }

 private:
  // Rows read after the newest folded one, not yet merged into folded_.
  struct Pages {
    TokenUsageByModel found;
    std::optional<dao::RequestTokenCounts> newest;
    bool restart = false;  // folded_ is to be replaced by `found`, not added to.
    bool more = false;     // The last page was full: rows may remain.
    std::size_t rows = 0;
  };
  // Reads up to `max_pages` pages in the connection's current snapshot. REQUIRES: mutex_ held.
  Result<Pages> read_pages(const dao::CompletionRequestsReader& reader,
                           std::size_t max_pages) const;
  // Merges what read_pages() found. REQUIRES: mutex_ held.
  void merge(Pages pages);

  const std::size_t page_size_;
  std::mutex mutex_;
  TokenUsageByModel folded_;  // Every row with id <= last_row_.id. Guarded by mutex_.
  // The newest row folded (id 0: none yet). A different row under its id later means the table
  // was replaced. Guarded by mutex_.
  dao::RequestTokenCounts last_row_;
  std::atomic<bool> complete_{false};
};

}  // namespace safemig::metrics_server
