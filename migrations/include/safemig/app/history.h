// The application's schema history: the steps v1..v5 of `completion_requests` and its rollups,
// and the expected schema after every version.
//
//   v1 create_completion_requests   the table and its time index
//   v2 add_streaming_timings        ALTER TABLE ADD COLUMN ×3 (TTFT, TTLT, tokens per second)
//   v3 rebuild_completion_requests  table rebuild: CHECKs, request_id UNIQUE, upstream,
//                                   NOT NULL model (backfilled), rows preserved
//   v4 add_rollups                  per-minute, per-hour and per-day rollups with latency
//                                   histograms, backfilled from existing rows
//   v5 add_endpoint_and_maxima      completion_requests.endpoint (backfilled), rollups keyed by
//                                   endpoint too and keeping each latency's maximum, rebuilt
//                                   from the rows
//
// Every step has SQL up and down bodies (dry runs print them; downgrades run them).
//
// Applied steps are frozen. Every database that applied a step records its checksum (the SHA-256
// of its up, down and verify SQL) and refuses to migrate when the step's text changes, so each
// step's SQL and expected schema are literal text in its own source file, never built from
// constants shared with the rest of the code (the DAO's rollup layout, for instance). A change
// of schema is a new step (v6, ...). tests/unit/app/step_checksum_test.cpp pins every step's
// checksum; tests/unit/app/rollup_layout_test.cpp checks that the rollups the latest step creates
// match the DAO's layout.
//
// Thread safety: pure functions returning values.
#pragma once

#include "safemig/error.h"
#include "safemig/migrate/step.h"
#include "safemig/schema/schema.h"

namespace safemig::app {

inline constexpr int kLatestVersion = 5;

// The history as a validated MigrationSet. Errors: only if the built-in steps were malformed
// (invalid_input from MigrationSet::create), which the tests rule out.
Result<migrate::MigrationSet> application_history();

// The whole expected schema after `version` (0: the empty schema).
// REQUIRES: 0 <= version <= kLatestVersion.
schema::Schema expected_schema_v(int version);

}  // namespace safemig::app
