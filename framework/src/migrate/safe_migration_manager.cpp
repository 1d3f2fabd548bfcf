#include "safemig/migrate/safe_migration_manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "adoption.h"
#include "safemig/backup/restore.h"
#include "safemig/backup/retention.h"
#include "safemig/db/transaction.h"
#include "safemig/migrate/repeatables.h"
#include "stage_reporter.h"
#include "step_execution.h"

namespace safemig::migrate {
namespace {

// The text of sqlite_schema, to prove that a rollback left the schema exactly as it was.
Result<std::string> schema_fingerprint(db::Connection& conn) {
  SAFEMIG_TRY(auto rows, conn.query("SELECT type, name, tbl_name, coalesce(sql, '') "
                                    "FROM sqlite_schema ORDER BY type, name"));
  std::string text;
  for (const db::Row& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) text += row.text(i) + '\x1f';
    text += '\n';
  }
  return text;
}

}  // namespace

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::lock:
      return "lock";
    case Stage::file_backup:
      return "file_backup";
    case Stage::journal:
      return "journal";
    case Stage::backup_tables:
      return "backup_tables";
    case Stage::run:
      return "run";
    case Stage::validate_schema:
      return "validate_schema";
    case Stage::validate_integrity:
      return "validate_integrity";
    case Stage::validate_foreign_keys:
      return "validate_foreign_keys";
    case Stage::validate_rows:
      return "validate_rows";
    case Stage::validate_verify_sql:
      return "validate_verify_sql";
    case Stage::record_history:
      return "record_history";
    case Stage::commit:
      return "commit";
    case Stage::retention:
      return "retention";
  }
  return "unknown";
}

Result<std::unique_ptr<SafeMigrationManager>> SafeMigrationManager::open(const MigrationSet& set,
                                                                         ManagerOptions options) {
  if (!options.open_connection) {
    options.open_connection = [](const std::string& path) { return db::open_sqlite(path); };
  }
  SAFEMIG_TRY(db::WriterLock lock, db::WriterLock::acquire(options.db_path, options.command));
  std::unique_ptr<SafeMigrationManager> manager(
      new SafeMigrationManager(set, std::move(options), std::move(lock)));
  // Holding the lock, no other process can be writing a partial copy: any there is a leftover.
  if (auto removed = backup::remove_leftover_temporaries(manager->options_.db_path); !removed) {
    spdlog::warn("{}", removed.error().describe());
  } else {
    for (const std::string& path : *removed) {
      spdlog::warn("removed '{}', left by a process killed while copying", path);
    }
  }
  SAFEMIG_TRY_VOID(manager->reopen());
  SAFEMIG_TRY_VOID(manager->recover_from_journal());
  return manager;
}

SafeMigrationManager::SafeMigrationManager(const MigrationSet& set, ManagerOptions options,
                                           db::WriterLock lock)
    : set_(&set), options_(std::move(options)), lock_(std::move(lock)) {}

SafeMigrationManager::~SafeMigrationManager() = default;

Result<void> SafeMigrationManager::reopen() {
  conn_.reset();
  SAFEMIG_TRY(conn_, options_.open_connection(options_.db_path));
  return {};
}

Result<void> SafeMigrationManager::with_database_closed(
    const std::function<Result<void>()>& action) {
  if (conn_ && conn_->in_transaction()) {
    return fail(ErrorCode::failed_precondition, "cannot close the database inside a transaction");
  }
  conn_.reset();
  auto result = action();
  auto reopened = reopen();
  if (!result) return result;
  return reopened;
}

Result<Version> SafeMigrationManager::current_version() { return read_current_version(*conn_); }

Result<std::vector<HistoryEntry>> SafeMigrationManager::history() { return read_history(*conn_); }

Result<std::vector<ChecksumMismatch>> SafeMigrationManager::checksum_mismatches() {
  SAFEMIG_TRY(auto entries, read_history(*conn_));
  return find_checksum_mismatches(*set_, entries);
}

Result<void> SafeMigrationManager::recover_from_journal() {
  SAFEMIG_TRY(std::optional<JournalEntry> journal, read_journal(options_.db_path));
  if (!journal) return {};
  RecoveryReport report;
  report.version = journal->version;
  // A repeatable step has no version (kNoVersion in the journal).
  report.step =
      (journal->version == kNoVersion ? "R " : "V" + set_->version_name(journal->version) + " ") +
      journal->name + (journal->direction == Direction::down ? " (down)" : "");
  SAFEMIG_TRY(auto entries, read_history(*conn_));
  const Version version = migrate::current_version(entries);
  const bool committed = version == journal->to_version && !entries.empty() &&
                         entries.back().version == journal->version &&
                         entries.back().direction == journal->direction;
  auto quick = conn_->query_one("PRAGMA quick_check");
  const bool intact = quick && quick->text(0) == "ok";
  if (committed && intact) {
    report.action = "the step had committed before the interruption; nothing was undone";
  } else if (journal->transactional && version == journal->from_version && intact) {
    report.action = "the step was interrupted inside its transaction, which SQLite rolled back";
  } else {
    Error cause(ErrorCode::aborted, "interrupted " + report.step);
    SAFEMIG_TRY(report.failed_copy,
                restore_after_failure(journal->backup_path, cause).map_error([&](const Error& e) {
                  return Error(ErrorCode::failed_precondition,
                               "an interrupted migration (" + report.step +
                                   ") left the database in an unknown state and restoring its "
                                   "backup failed: " +
                                   e.message +
                                   "; restore another backup with 'safemig restore FILE', then "
                                   "remove '" +
                                   journal_path(options_.db_path) + "'");
                }));
    report.action =
        "the step was interrupted outside a transaction; the database was restored "
        "from its file backup";
    report.restored_from = journal->backup_path;
  }
  SAFEMIG_TRY_VOID(remove_journal(options_.db_path));
  SAFEMIG_TRY(report.version_after, read_current_version(*conn_));
  spdlog::warn("recovered from an interrupted migration: {}: {}; database at version {}",
               report.step, report.action, report.version_after);
  recovery_ = std::move(report);
  return {};
}

Result<std::vector<HistoryEntry>> SafeMigrationManager::read_history_taking_over() {
  SAFEMIG_TRY(auto entries, read_history(*conn_));
  SAFEMIG_TRY(auto taken, take_over_foreign_history(*conn_, *set_, entries));
  if (!taken) return entries;
  return read_history(*conn_);
}

Result<RunReport> SafeMigrationManager::migrate(std::optional<Version> target) {
  SAFEMIG_TRY(auto entries, read_history_taking_over());
  SAFEMIG_TRY_VOID(check_definitions(
      *set_, entries, "applied migrations differ from their definitions:", options_.out_of_order));
  Version current = migrate::current_version(entries);
  SAFEMIG_TRY(Plan plan, plan_upgrade(*set_, entries, target, options_.out_of_order));
  RunReport report{current, current, {}};
  for (const MigrationStep* step : plan.steps) {
    // A step run out of order lies below the current version, which it leaves as it is.
    const Version after = std::max(current, step->version);
    SAFEMIG_TRY(StepOutcome outcome, run_step(*step, Direction::up, current, after));
    current = after;
    report.to_version = current;
    if (options_.on_step_done) options_.on_step_done(outcome);
    report.steps.push_back(std::move(outcome));
  }
  // As in Flyway, repeatable steps run last, after the versioned ones, also with a target
  // (Flyway's `target` limits versioned migrations only); each leaves the version as it is.
  SAFEMIG_TRY(std::vector<RepeatableRun> runs, read_repeatable_runs(*conn_));
  for (const MigrationStep* step : pending_repeatables(*set_, runs)) {
    SAFEMIG_TRY(StepOutcome outcome, run_step(*step, Direction::up, current, current));
    if (options_.on_step_done) options_.on_step_done(outcome);
    report.steps.push_back(std::move(outcome));
  }
  return report;
}

Result<RunReport> SafeMigrationManager::downgrade(Version target) {
  SAFEMIG_TRY(auto entries, read_history_taking_over());
  SAFEMIG_TRY_VOID(check_definitions(
      *set_, entries,
      "applied migrations differ from their definitions, so their down steps cannot be trusted:"));
  Version current = migrate::current_version(entries);
  SAFEMIG_TRY(Plan plan, plan_downgrade(*set_, current, target));
  std::set<Version> applied;
  for (const HistoryEntry& entry : applied_entries(entries)) applied.insert(entry.version);
  RunReport report{current, current, {}};
  for (const MigrationStep* step : plan.steps) {
    // The version after undoing a step is the highest one still applied, which steps run out
    // of order make other than the step just below.
    applied.erase(step->version);
    const Version below = applied.empty() ? kNoVersion : *applied.rbegin();
    SAFEMIG_TRY(StepOutcome outcome, run_step(*step, Direction::down, current, below));
    current = below;
    report.to_version = current;
    if (options_.on_step_done) options_.on_step_done(outcome);
    report.steps.push_back(std::move(outcome));
  }
  return report;
}

Result<std::string> SafeMigrationManager::restore_after_failure(const std::string& backup_path,
                                                                const Error& cause) {
  spdlog::error("restoring '{}' from its backup '{}' after: {}", options_.db_path, backup_path,
                cause.describe());
  // Closing the connection rolls back whatever transaction a failed ROLLBACK left open.
  conn_.reset();
  backup::RestoreOptions restore_options;
  restore_options.progress = options_.progress;
  restore_options.keep_current_as_failed = true;
  restore_options.writer_lock = &lock_;
  auto restored = backup::restore_backup(backup_path, options_.db_path, restore_options);
  auto reopened = reopen();
  if (!restored) {
    return fail(restored.error().with_prefix("restoring '" + backup_path + "' failed"));
  }
  spdlog::warn("restored '{}' from '{}'; the failed database was kept as '{}'", options_.db_path,
               backup_path, restored->kept_as_failed);
  SAFEMIG_TRY_VOID(std::move(reopened));
  return restored->kept_as_failed;
}

Result<StepOutcome> SafeMigrationManager::run_step(const MigrationStep& step, Direction direction,
                                                   Version from_version, Version to_version) {
  const auto started = std::chrono::steady_clock::now();
  StageReporter stages(options_, step, direction);

  SAFEMIG_TRY_VOID(stages.run(Stage::lock, [&]() -> Result<void> {
    SAFEMIG_TRY(Version version, read_current_version(*conn_));
    if (version == from_version) return {};
    return fail(ErrorCode::aborted, "the database moved to version " + set_->version_name(version) +
                                        " meanwhile; run again");
  }));

  SAFEMIG_TRY(backup::BackupInfo backup, stages.run(Stage::file_backup, [&] {
    backup::BackupOptions backup_options;
    // A backup of a database on which nothing is applied is named as version 0's.
    backup_options.from_version = set_->number_for_names(from_version);
    backup_options.gzip = options_.gzip_backups;
    backup_options.progress = options_.progress;
    return backup::create_file_backup(*conn_, backup_options);
  }));

  // The schema before the step, to prove that a rollback restored it.
  SAFEMIG_TRY(std::string before, stages.run(Stage::journal, [&]() -> Result<std::string> {
    JournalEntry journal{step.version, step.name,  direction,
                         from_version, to_version, step.transactional,
                         backup.path,  ::getpid(), utc_timestamp_now()};
    SAFEMIG_TRY_VOID(write_journal(options_.db_path, journal));
    return schema_fingerprint(*conn_);
  }));

  StepRun run{*conn_,     *set_,       step,    direction, from_version,
              to_version, backup.path, started, stages,    options_.allow_data_loss};
  Result<void> ran;
  {
    StageTicks ticks(*conn_, stages);
    ran = step.transactional ? run_transactional(run) : run_outside_transaction(run);
  }
  if (!ran) {
    const Error& cause = ran.error();
    // A rollback must leave the schema exactly as it was; if it did not (or the step ran
    // outside a transaction) the file backup is the way back.
    bool rolled_back = step.transactional && !conn_->in_transaction();
    if (rolled_back) {
      auto after = schema_fingerprint(*conn_);
      rolled_back = after && *after == before;
    }
    if (!rolled_back) {
      auto restored = restore_after_failure(backup.path, cause);
      if (!restored) {
        return fail(
            Error(ErrorCode::data_loss,
                  cause.message + "; then restoring the backup failed: " + restored.error().message)
                .with_step(step.label()));
      }
      (void)remove_journal(options_.db_path);
      return fail(cause.with_prefix("restored from the file backup '" + backup.path +
                                    "' (the failed database was kept as '" + *restored + "')"));
    }
    (void)remove_journal(options_.db_path);
    return fail(cause);
  }

  if (auto removed = remove_journal(options_.db_path); !removed) {
    spdlog::warn("{}", removed.error().describe());
  }
  stages.begin_unchecked(Stage::retention);
  bool pruned_all = true;
  if (auto pruned = backup::prune_backups(options_.db_path, options_.keep_file_backups); !pruned) {
    spdlog::warn("retention of file backups failed: {}", pruned.error().describe());
    pruned_all = false;
  }
  if (auto pruned = prune_backup_tables_in_transaction(*conn_, options_.keep_backup_table_versions);
      !pruned) {
    spdlog::warn("retention of backup tables failed: {}", pruned.error().describe());
    pruned_all = false;
  }
  stages.end(!pruned_all);
  StepOutcome outcome;
  outcome.version = step.version;
  outcome.name = step.name;
  outcome.repeatable = step.repeatable;
  outcome.direction = direction;
  outcome.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  outcome.backup_path = backup.path;
  return outcome;
}

}  // namespace safemig::migrate
