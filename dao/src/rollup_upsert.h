// Upserting a BatchRollup into the rollup tables (internal to the writer):
// INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x, once per key and level.
//
// Thread safety: uses the given connection from the calling thread only.
#pragma once

#include <vector>

#include "batch_rollup.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::dao::internal {

// Parameter vectors reused across upserts and batches, so that steady-state upserts allocate
// nothing (values are assigned in place).
struct UpsertParams {
  std::vector<db::Value> values;
  std::vector<db::Value> labels;
};

// Adds every level of `batch` (finish() called) to the rollup and label tables.
// REQUIRES: a write transaction is open on `connection`.
Result<void> upsert_rollups(db::Connection& connection, const BatchRollup& batch,
                            UpsertParams& params);

}  // namespace safemig::dao::internal
