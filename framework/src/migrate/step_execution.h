// The body of the safe run of one step once its file backup and journal exist: backup tables,
// the step itself, validation and the history row, inside one transaction (or, for a
// non-transactional step, around it). Internal to the SafeMigrationManager.
//
// Thread safety: uses the connection of the run only.
#pragma once

#include <chrono>
#include <string>

#include "safemig/db/connection.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "safemig/migrate/step.h"
#include "stage_reporter.h"

namespace safemig::migrate {

struct StepRun {
  db::Connection& conn;
  const MigrationSet& set;
  const MigrationStep& step;
  Direction direction;
  Version from_version;
  Version to_version;
  std::string backup_path;
  // When the step began (before its file backup): the history row's duration counts from here.
  std::chrono::steady_clock::time_point started;
  // Reports each stage to the manager's hooks and prefixes its errors with the stage.
  StageReporter& stages;
  // Removing rows or values is allowed for this run (ManagerOptions::allow_data_loss); the
  // step's own row policy for its direction may allow it too.
  bool allow_data_loss = false;
};

// The tables the run's direction declares it changes: touched_tables for up,
// down_touched_tables for down.
const std::vector<std::string>& touched_tables_of(const MigrationStep& step, Direction direction);

// Runs the step inside BEGIN IMMEDIATE. On failure the transaction is rolled back and the
// error names the stage; the caller checks that the rollback restored the previous schema.
Result<void> run_transactional(const StepRun& run);
// Runs a step that cannot run in a transaction. On failure the caller restores the file
// backup: what the step did is not undone here.
Result<void> run_outside_transaction(const StepRun& run);

// Drops backup tables of all but the newest `keep_runs` runs (never those holding removed data),
// atomically.
Result<void> prune_backup_tables_in_transaction(db::Connection& conn, int keep_runs);

}  // namespace safemig::migrate
