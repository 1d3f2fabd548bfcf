// CompletionRequestsReader: the read side of `completion_requests` and its rollups.
//
// It accepts a read-only connection (the metrics server's) and has no write method at all: code
// that holds only a reader cannot write. Range metrics cost O(minutes + hours), not O(rows): the
// whole hours and minutes of a range come from the rollup tables and only the partial minutes at
// its edges from the raw table, so counts and sums equal a computation over the raw rows exactly.
//
// Each call runs its queries inside one deferred read transaction (one consistent snapshot) and
// holds it no longer than the call.
//
// Thread safety: one thread at a time, like the Connection it uses.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/dao/metrics.h"
#include "safemig/dao/time.h"
#include "safemig/db/connection.h"

namespace safemig::dao {

inline constexpr int kMaxListLimit = 1000;

enum class ListOrder { newest_first, oldest_first };

struct ListQuery {
  TimeRange range;                    // [start, end), UTC.
  std::optional<std::string> model;   // Only this model, when given.
  int limit = 100;                    // 1..kMaxListLimit.
  std::optional<std::string> cursor;  // next_cursor of the previous page.
  ListOrder order = ListOrder::newest_first;
};

struct ListPage {
  std::vector<CompletionRequest> records;
  std::optional<std::string> next_cursor;  // Absent on the last page.
};

// Largest number of buckets timeseries() returns.
inline constexpr std::int64_t kMaxTimeseriesBuckets = 10'000;

// The token columns of one row, as token_counts_after() returns them.
struct RequestTokenCounts {
  std::int64_t id = 0;
  std::string model;
  std::optional<std::int64_t> prompt_tokens;      // Absent when the request reported none.
  std::optional<std::int64_t> completion_tokens;  // Absent when the request reported none.
  friend bool operator==(const RequestTokenCounts&, const RequestTokenCounts&) = default;
};

// Largest `limit` token_counts_after() accepts.
inline constexpr std::size_t kMaxTokenCountsLimit = 10'000;

class CompletionRequestsReader {
 public:
  // `connection` (read-only or not) must outlive the reader. The schema must be at v5.
  explicit CompletionRequestsReader(db::Connection& connection) : connection_(&connection) {}

  // One page of records in the range, ordered by (timestamp, id) in the query's order, paged by
  // a keyset cursor: pages never repeat or skip a row, even when timestamps tie.
  // Errors: invalid_input for a limit outside 1..1000 or a cursor this reader did not produce
  // (or produced for the other order); database errors as the connection reports them.
  Result<ListPage> list(const ListQuery& query) const;

  // Aggregates of the requests in `range` (of `model` only, when given).
  Result<Metrics> metrics(const TimeRange& range,
                          const std::optional<std::string>& model = std::nullopt) const;

  // The range cut into buckets of `step` aligned to the epoch (so 1h buckets start on the hour,
  // 1d buckets at midnight UTC); the first and last are clipped to the range; empty buckets are
  // included. Errors: invalid_input when step is not a positive whole number of minutes or the
  // range would need more than kMaxTimeseriesBuckets buckets.
  Result<std::vector<TimeseriesBucket>> timeseries(
      const TimeRange& range, std::chrono::milliseconds step,
      const std::optional<std::string>& model = std::nullopt) const;

  // The rows with id > `after_id`, in ascending id order, at most `limit` of them, with only
  // their id, model and token counts, whatever their timestamp. Rows are only ever appended, by
  // one writer at a time, so a committed row has a larger id than every row committed before
  // it: a caller that passes the id of the last row it received as the next `after_id` receives
  // every row exactly once, including rows committed after its earlier calls. A result shorter
  // than `limit` means no row with a larger id was committed as of this call's snapshot. Pass 0
  // to start at the first row (the writer's ids are positive).
  // Errors: invalid_input for a negative after_id or a limit outside 1..kMaxTokenCountsLimit;
  // database errors as the connection reports them.
  Result<std::vector<RequestTokenCounts>> token_counts_after(std::int64_t after_id,
                                                             std::size_t limit) const;

 private:
  db::Connection* connection_;
};

}  // namespace safemig::dao
