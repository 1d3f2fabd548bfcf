// SafeMigrationManager: runs MigrationSteps so that no failure loses data.
//
// For every step (DESIGN.md, "The safe run of one step"): under the single-writer lock it
// re-reads the version, takes a verified file backup, writes the crash journal, creates backup
// tables of the touched tables, runs the step inside BEGIN IMMEDIATE (with foreign_keys OFF
// around a table rebuild), validates the result (expected schema, quick_check,
// foreign_key_check, row policy, verify SQL), records the history row and commits. On any
// failure it rolls back; where a rollback cannot restore the previous state (a
// non-transactional step, a failed rollback) it restores the file backup and keeps the failed
// database as `<db>.failed-…`.
//
// The manager holds the writer lock from open() until it is destroyed.
// Thread safety: one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "safemig/backup/file_backup.h"
#include "safemig/db/connection.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/journal.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate {

// The stages of the safe run of one step, in order. Errors name the stage they failed in.
enum class Stage {
  lock,
  file_backup,
  journal,
  backup_tables,
  run,
  validate_schema,
  validate_integrity,
  validate_foreign_keys,
  validate_rows,
  validate_verify_sql,
  record_history,
  commit,
  retention,
};
std::string_view to_string(Stage stage);

using ConnectionOpener =
    std::function<Result<std::unique_ptr<db::Connection>>(const std::string& path)>;

struct StepOutcome {
  int version = 0;
  std::string name;
  Direction direction = Direction::up;
  std::chrono::milliseconds duration{0};
  std::string backup_path;
};

struct ManagerOptions {
  std::string db_path;
  std::string command = "safemig";     // Written into the lock file for other writers to see.
  int keep_file_backups = 5;           // Retention of <db>.backup-* files.
  int keep_backup_table_versions = 3;  // Retention of _safemig_backup_v<N>_* tables.
  bool gzip_backups = false;
  backup::Progress progress;  // Progress of file backups and restores.
  // Opens the writable connection (tests wrap it to inject faults). Default: open_sqlite.
  ConnectionOpener open_connection;
  // Called when each stage begins; an error returned here fails that stage (fault injection
  // for stages that are not engine calls, such as the journal and the file copy).
  std::function<Result<void>(Stage, const MigrationStep&)> before_stage;
  // Called as each step of a migrate or downgrade completes, before the next one starts: the
  // steps a run applied are known even when a later one fails.
  std::function<void(const StepOutcome&)> on_step_done;
};

// What happened to an interrupted step found in the journal at open().
struct RecoveryReport {
  int version = 0;
  std::string step;           // "V4 big_insert"
  std::string action;         // What was done, in words.
  std::string restored_from;  // Backup used, when the file backup was restored.
  std::string failed_copy;    // Where the interrupted database was kept, when restored.
  int version_after = 0;
};

struct RunReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<StepOutcome> steps;
};

struct ChecksumMismatch {
  int version = 0;
  std::string name;
  std::string applied_checksum;
  std::string current_checksum;  // Empty when the step is no longer in the set.
  std::string describe() const;
};

// The steps that a migrate or downgrade would run, in order, without running them.
struct Plan {
  int from_version = 0;
  int to_version = 0;
  Direction direction = Direction::up;
  std::vector<const MigrationStep*> steps;
};

// Steps from `current` up to `target` (default: the latest). invalid_input when the target is
// not a version of the set or is below `current`.
Result<Plan> plan_upgrade(const MigrationSet& set, int current, std::optional<int> target);
// Steps from `current` down to `target` (>= 0), newest first. invalid_input for a bad target or a
// step without a down.
Result<Plan> plan_downgrade(const MigrationSet& set, int current, int target);
// Applied steps whose checksum differs from the set's, or that the set no longer has.
std::vector<ChecksumMismatch> find_checksum_mismatches(const MigrationSet& set,
                                                       const std::vector<HistoryEntry>& history);

// Steps of the set that are not applied although a higher version is (a step added below the
// applied ones, as after merging a branch): migrate would never run them. Ascending.
std::vector<const MigrationStep*> find_skipped_steps(const MigrationSet& set,
                                                     const std::vector<HistoryEntry>& history);
// "V3 b is not applied but version 5 is: …; give it a version above 5", for one of them.
std::string describe_skipped(const MigrationStep& step, int current);
// Nothing when every applied step matches its definition and none is skipped; otherwise
// checksum_mismatch (a person must decide): `preface`, then one line per changed or skipped
// step.
Result<void> check_definitions(const MigrationSet& set, const std::vector<HistoryEntry>& history,
                               std::string_view preface);

class SafeMigrationManager {
 public:
  // Takes the writer lock (locked, naming the holder, when another writer has it), opens the
  // database (creating it when missing) and recovers from a journal left by an interrupted run.
  static Result<std::unique_ptr<SafeMigrationManager>> open(const MigrationSet& set,
                                                            ManagerOptions options);
  ~SafeMigrationManager();
  SafeMigrationManager(const SafeMigrationManager&) = delete;
  SafeMigrationManager& operator=(const SafeMigrationManager&) = delete;

  // Runs every pending step up to `target` (default: latest). Refuses with checksum_mismatch
  // when an applied step was edited. On a step's failure the database is at the version before
  // that step (earlier steps of this run stay applied) and the error names step and stage.
  Result<RunReport> migrate(std::optional<int> target = std::nullopt);
  // Runs the down steps from the current version to `target`.
  Result<RunReport> downgrade(int target);

  Result<int> current_version();
  Result<std::vector<HistoryEntry>> history();
  Result<std::vector<ChecksumMismatch>> checksum_mismatches();
  // The recovery done by open(), if there was an interrupted step.
  const std::optional<RecoveryReport>& recovery() const { return recovery_; }
  const MigrationSet& migration_set() const { return *set_; }
  const ManagerOptions& options() const { return options_; }
  db::Connection& connection() { return *conn_; }
  // The writer lock held for the manager's lifetime; a restore run by with_database_closed()
  // passes it as backup::RestoreOptions::writer_lock so that it moves to the restored file.
  db::WriterLock& writer_lock() { return lock_; }

  // Closes the connection, runs `action` on the database file (restore), and reopens it.
  // REQUIRES: no transaction open.
  Result<void> with_database_closed(const std::function<Result<void>()>& action);

 private:
  SafeMigrationManager(const MigrationSet& set, ManagerOptions options, db::WriterLock lock);
  Result<void> reopen();
  Result<void> recover_from_journal();
  Result<StepOutcome> run_step(const MigrationStep& step, Direction direction, int from_version,
                               int to_version);
  // Puts the file backup in place of the database, which is kept aside as <db>.failed-…;
  // returns where. When the backup cannot be restored the database stays where it is.
  Result<std::string> restore_after_failure(const std::string& backup_path, const Error& cause);

  const MigrationSet* set_;
  ManagerOptions options_;
  // Declared before conn_ so that it is destroyed after it: closing the lock's descriptor of the
  // database drops the connection's fcntl locks (db/writer_lock.h, CONTRACT).
  db::WriterLock lock_;
  std::unique_ptr<db::Connection> conn_;
  std::optional<RecoveryReport> recovery_;
};

}  // namespace safemig::migrate
