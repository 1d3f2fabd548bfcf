// Reading a time range into a RollupAggregate (internal to dao) from the day, hour and minute
// rollups and the raw rows. Each end of the range is moved inwards to the next day (hour,
// minute) boundary; the coarsest rollup covers the middle and the finer levels add the
// remainders, so a range of any length reads a bounded number of rows per level (at most two
// units of the next level) and counts every request exactly once. Pieces are only ever added,
// never subtracted, so that the maxima are those of the range itself: a maximum cannot be taken
// back out of a larger piece.
//
// Thread safety: uses the given connection from the calling thread only.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "rollup_aggregate.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::dao::internal {

// A step that puts every instant of a range (all >= 0) into the bucket 0.
inline constexpr std::int64_t kSingleBucket = std::numeric_limits<std::int64_t>::max();

struct RangeRequest {
  std::int64_t from_ms = 0;  // [from_ms, to_ms)
  std::int64_t to_ms = 0;
  const std::optional<std::string>* model = nullptr;  // Filter, when set and engaged.
  // Rows are keyed by floor(t / step_ms) * step_ms; must be kSingleBucket or a whole number of
  // minutes.
  std::int64_t step_ms = kSingleBucket;
  bool with_labels = true;
};

// Adds every request of the range to `out`. Errors: as the connection reports them.
Result<void> read_range(db::Connection& connection, const RangeRequest& request,
                        RollupAggregate& out);

// Adds the raw rows of [from_ms, to_ms) to `out` (used for the edges, and by integrity checks).
Result<void> read_raw(db::Connection& connection, const RangeRequest& request,
                      RollupAggregate& out);

}  // namespace safemig::dao::internal
