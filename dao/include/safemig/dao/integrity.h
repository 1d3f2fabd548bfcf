// Integrity findings over the application's data, reported by `safemig verify`.
//
// Thread safety: uses the given connection from the calling thread only.
#pragma once

#include <string>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::dao {

// Checks the data at whatever version the schema is (columns and tables that do not exist yet
// are skipped): negative tokens or times, total_tokens != prompt_tokens + completion_tokens
// where all three are present, and rollups out of sync with the raw rows (the request counts of
// the minute, hour and day rollups against the row count, and, from schema v5 on, every rollup
// value of a sample of the most recent minutes against those minutes' rows).
// On success returns one human-readable line per finding (empty: all good); database errors
// are returned as errors, not findings. Read only: works on a read-only connection.
Result<std::vector<std::string>> find_integrity_issues(db::Connection& connection);

}  // namespace safemig::dao
