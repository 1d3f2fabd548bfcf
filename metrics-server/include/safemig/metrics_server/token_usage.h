// Token usage per request as histograms (gen_ai_client_token_usage), per model and token type.
//
// The rollup tables keep token sums only, so the distribution is built from the rows, read
// through the reader's keyset-paged list(). To keep a scrape cheap, TokenUsageTracker scans each
// row once: rows whose timestamp is older than `settle` (default 1 hour) before the scrape are
// folded into a kept total and never read again; the newer rows are re-read on every scrape. The
// totals are therefore monotonic; a row that reaches the database more than `settle` after its
// timestamp (replayed from the recorder's spill journal much later) is not counted here (every
// other metric counts it).
//
// Thread safety: TokenHistogram is a value type; TokenUsageTracker::collect may be called from
// any thread (calls are serialised by an internal mutex).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/time.h"
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

// Adds the token counts of every request in `range` to `out`, paging through list().
// Errors: as the reader reports them; `out` is unchanged on failure.
Result<void> scan_token_usage(const dao::CompletionRequestsReader& reader,
                              const dao::TimeRange& range, TokenUsageByModel& out);

class TokenUsageTracker {
 public:
  explicit TokenUsageTracker(std::chrono::milliseconds settle = std::chrono::hours(1))
      : settle_(settle) {}

  // Token usage of every request with a timestamp in [epoch, now). Errors: as the reader reports
  // them; the kept total is unchanged by a failed call.
  Result<TokenUsageByModel> collect(const dao::CompletionRequestsReader& reader,
                                    dao::TimePoint now);

 private:
  const std::chrono::milliseconds settle_;
  std::mutex mutex_;
  TokenUsageByModel settled_;       // Rows before settled_until_. Guarded by mutex_.
  dao::TimePoint settled_until_{};  // Guarded by mutex_.
};

}  // namespace safemig::metrics_server
