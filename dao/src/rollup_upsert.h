// Upserting a RollupAggregate into the rollup tables (internal to the writer):
// INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x, once per key.
//
// Thread safety: uses the given connection from the calling thread only.
#pragma once

#include <vector>

#include "rollup_aggregate.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::dao::internal {

enum class RollupTable { minute, hour };

// Adds `aggregate` (keyed by minute or hour starts) to the tables of `table`.
// REQUIRES: a write transaction is open on `connection`.
Result<void> upsert_rollups(db::Connection& connection, RollupTable table,
                            const RollupAggregate& aggregate, std::vector<db::Value>& params);

}  // namespace safemig::dao::internal
