// The application's schema history: the steps v1..v4 of `completion_requests` and its rollups,
// and the expected schema after every version.
//
//   v1 create_completion_requests   the table and its time index
//   v2 add_streaming_timings        ALTER TABLE ADD COLUMN ×3 (TTFT, TTLT, tokens per second)
//   v3 rebuild_completion_requests  table rebuild: CHECKs, request_id UNIQUE, upstream,
//                                   NOT NULL model (backfilled), rows preserved
//   v4 add_rollups                  per-minute, per-hour and per-day rollups with latency
//                                   histograms, backfilled from existing rows
//
// Every step has SQL up and down bodies (dry runs print them; downgrades run them).
//
// Thread safety: pure functions returning values.
#pragma once

#include "safemig/error.h"
#include "safemig/migrate/step.h"
#include "safemig/schema/schema.h"

namespace safemig::app {

inline constexpr int kLatestVersion = 4;

// The history as a validated MigrationSet. Errors: only if the built-in steps were malformed
// (invalid_input from MigrationSet::create), which the tests rule out.
Result<migrate::MigrationSet> application_history();

// The whole expected schema after `version` (0: the empty schema).
// REQUIRES: 0 <= version <= kLatestVersion.
schema::Schema expected_schema_v(int version);

}  // namespace safemig::app
