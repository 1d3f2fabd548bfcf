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
#include "safemig/migrate/plan.h"
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
  Version version = 0;  // kNoVersion for a repeatable step.
  std::string name;
  bool repeatable = false;
  Direction direction = Direction::up;
  std::chrono::milliseconds duration{0};
  std::string backup_path;
};

// A stage of the safe run of one step beginning, still running, or ending
// (ManagerOptions::on_stage).
struct StageEvent {
  enum class Kind {
    begin,     // The stage starts (before ManagerOptions::before_stage is asked).
    progress,  // The stage is still running: about every 100 ms while SQLite works in it.
    end,       // The stage is over; it succeeded unless `failed`.
  };
  const MigrationStep* step = nullptr;  // Valid during the call.
  Direction direction = Direction::up;
  Stage stage = Stage::lock;
  Kind kind = Kind::begin;
  std::chrono::milliseconds elapsed{0};  // Since the stage began.
  bool failed = false;                   // For end: the stage failed.
};

struct ManagerOptions {
  std::string db_path;
  std::string command = "safemig";     // Written into the lock file for other writers to see.
  int keep_file_backups = 5;           // Retention of <db>.backup-* files.
  int keep_backup_table_versions = 3;  // Retention of _safemig_backup_v<N>_* tables.
  bool gzip_backups = false;
  // Steps (either direction) whose run would remove rows of a table or non-NULL values of a
  // column fail with data_loss, rolled back, unless this is set or the step declares
  // RowPolicy::declared_change for that direction. Allowed or not, the rows are kept in the
  // run's own backup tables, which retention never drops.
  bool allow_data_loss = false;
  // migrate also runs the steps below the current version that were never applied (a branch
  // merged with timestamp versions), first and ascending, as Flyway's outOfOrder.
  bool out_of_order = false;
  backup::Progress progress;  // Progress of file backups and restores.
  // Opens the writable connection (tests wrap it to inject faults). Default: open_sqlite.
  ConnectionOpener open_connection;
  // Called when each stage begins; an error returned here fails that stage (fault injection
  // for stages that are not engine calls, such as the journal and the file copy).
  std::function<Result<void>(Stage, const MigrationStep&)> before_stage;
  // Observes every stage of every step: a begin and an end event for each stage entered, in
  // the order of Stage (a failed stage is the last), and progress events while SQLite works in
  // the stages from backup_tables to commit (driven by a progress handler on the connection,
  // installed only while those stages run). Called on the manager's thread, progress from
  // inside a running statement: it must be quick, must not throw and must not use the manager
  // or its connection. Retention is reported too; its failures are only logged, and do not
  // fail the step.
  std::function<void(const StageEvent&)> on_stage;
  // Called as each step of a migrate or downgrade completes, before the next one starts: the
  // steps a run applied are known even when a later one fails.
  std::function<void(const StepOutcome&)> on_step_done;
};

// What happened to an interrupted step found in the journal at open().
struct RecoveryReport {
  Version version = 0;
  std::string step;           // "V4 big_insert"
  std::string action;         // What was done, in words.
  std::string restored_from;  // Backup used, when the file backup was restored.
  std::string failed_copy;    // Where the interrupted database was kept, when restored.
  Version version_after = kNoVersion;
};

struct RunReport {
  Version from_version = kNoVersion;
  Version to_version = kNoVersion;
  std::vector<StepOutcome> steps;
};

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
  // A database that another tool migrated, and safemig never did, is first taken over from that
  // tool's history table (adoption.h): only the steps after it run. Then every pending
  // repeatable step (repeatables.h) runs, in the set's order, each as safely as a versioned one
  // and leaving the version as it is; a failing one is rolled back, and the repeatables before
  // it stay applied. Also with a target, as Flyway's migrate.
  Result<RunReport> migrate(std::optional<Version> target = std::nullopt);
  // Runs the down steps from the current version to `target` (kNoVersion: every step), taking
  // over another tool's history first as migrate does. Repeatable steps never run here.
  Result<RunReport> downgrade(Version target);

  Result<Version> current_version();
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
  // The history, after taking over another tool's (adoption.h) when safemig has none yet.
  Result<std::vector<HistoryEntry>> read_history_taking_over();
  Result<StepOutcome> run_step(const MigrationStep& step, Direction direction, Version from_version,
                               Version to_version);
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
