// The SQL of v4 add_rollups, generated from the rollup layout the DAO shares
// (safemig/dao/rollup_layout.h), so the tables, the backfill and the writer's upserts agree
// column for column and bucket for bucket.
//
// Thread safety: pure functions returning values.
#pragma once

#include <string>

namespace safemig::app::internal {

// CREATE TABLE of the six rollup tables (values and labels per minute, hour and day), then their
// backfill: minutes from completion_requests, hours from minutes, days from hours.
std::string rollups_up_sql();
// DROP TABLE of the six rollup tables.
std::string rollups_down_sql();

}  // namespace safemig::app::internal
