// Taking over a database that another tool migrated, the first time safemig writes it: its
// history table (golang-migrate, goose, dbmate, Diesel, Flyway; foreign_history.h) says which
// steps are applied, and take_over (baseline.h) records them in _safemig_history once the live
// schema is the one they produce. Internal to the SafeMigrationManager.
//
// Thread safety: uses the given connection only; the caller holds the writer lock.
#pragma once

#include <optional>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/baseline.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate {

// Nothing (nullopt) when safemig's history has rows or no other tool's history is there;
// otherwise what take_over recorded. A dirty history of the other tool is failed_precondition
// with what a person must do; the other errors are take_over's. Nothing is written on error.
Result<std::optional<BaselineReport>> take_over_foreign_history(
    db::Connection& conn, const MigrationSet& set, const std::vector<HistoryEntry>& history);

}  // namespace safemig::migrate
