// The commands of the command line, one function each, with their arguments as parsed.
//
// Each returns the exit code of a completed command (0, or 3 for verify findings) or a Failure
// that run_cli prints. Commands that write open the database through open_writer (the writer
// lock and recovery); the others open it read-only.
//
// Thread safety: each call uses only its Context.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.h"

namespace safemig::cli {

struct StatusArgs {
  bool json = false;
};
struct MigrateArgs {
  std::optional<std::string> to;  // A version as the steps show it; absent: the latest.
  bool dry_run = false;
  bool allow_data_loss = false;  // Run steps that remove rows or values (kept in backup tables).
  bool out_of_order = false;     // Also run never-applied steps below the current version.
};
struct DowngradeArgs {
  // A version as the steps show it; 0 with no step 0 in the set means "undo every step".
  std::string to;
  bool allow_data_loss = false;
};
struct HistoryArgs {
  bool json = false;
};
struct VerifyArgs {
  bool deep = false;
};
struct BackupArgs {
  bool gzip = false;
};
struct BackupsArgs {
  bool json = false;
};
struct RestoreArgs {
  std::string file;
  bool force = false;
};
struct PruneArgs {
  std::optional<int> keep;          // Newest file backups (and backup-table runs) to keep.
  std::vector<std::string> tables;  // Backup tables to drop by name, whatever they hold.
};
struct SchemaArgs {
  bool json = false;
  std::string action;  // "" (print) or "snapshot".
  bool force = false;  // snapshot: replace an existing snapshot file.
};
struct NewArgs {
  std::string name;
};
struct BaselineArgs {
  std::string version;  // A version as the steps show it.
};

// Version, latest, layout, pending steps, checksum problems, the writer holding the lock (and
// the step it is applying, when its journal names one), and an interrupted run awaiting
// recovery. Only reads: it never takes the writer lock and never recovers.
CliResult<ExitCode> run_status(Context& ctx, const StatusArgs& args);
// Applies pending steps up to --to (default: the latest); --dry-run prints the plan and each
// step's SQL without touching (or creating) the database.
CliResult<ExitCode> run_migrate(Context& ctx, const MigrateArgs& args);
// Runs down steps from the current version to --to.
CliResult<ExitCode> run_downgrade(Context& ctx, const DowngradeArgs& args);
// Every history row: version, name, direction, checksum, applied_at, duration, backup path.
CliResult<ExitCode> run_history(Context& ctx, const HistoryArgs& args);
// Checksums, expected schema, quick_check (integrity_check with --deep), foreign keys, file
// backups and the application's findings. Findings: exit 3.
CliResult<ExitCode> run_verify(Context& ctx, const VerifyArgs& args);
// A verified file backup of the database now.
CliResult<ExitCode> run_backup(Context& ctx, const BackupArgs& args);
// The file backups of the database, newest first, and its backup tables.
CliResult<ExitCode> run_backups(Context& ctx, const BackupsArgs& args);
// Replaces the database with a backup, saving the current one as a before_restore backup.
CliResult<ExitCode> run_restore(Context& ctx, const RestoreArgs& args);
// Keeps the newest --keep file backups and the backup tables of the newest --keep runs (and every
// backup table holding removed data), removing the others; drops the backup tables --table names.
CliResult<ExitCode> run_prune(Context& ctx, const PruneArgs& args);
// The live schema, readable or as JSON.
CliResult<ExitCode> run_schema(Context& ctx, const SchemaArgs& args);
// Records the steps up to --version as applied on a database safemig never migrated, once its
// schema is the one they produce (schema_mismatch, with the differences, otherwise).
CliResult<ExitCode> run_baseline(Context& ctx, const BaselineArgs& args);
// Creates the next empty V<n>__<name>.sql in --dir.
CliResult<ExitCode> run_new(Context& ctx, const NewArgs& args);

}  // namespace safemig::cli
