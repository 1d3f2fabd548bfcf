// The state every command shares (streams, global options, the embedding program's
// environment), the way failures turn into exit codes, and the ways a command opens the
// database: as the writer (through SafeMigrationManager, which recovers an interrupted run) or
// read-only.
//
// Thread safety: one Context per run_cli call; not shared between threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "console.h"
#include "safemig/backup/backup_info.h"
#include "safemig/cli/cli.h"
#include "safemig/db/connection.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "safemig/migrate/step.h"

namespace safemig::cli {

class ProgressBar;

// A failure on its way out: the error to print, the exit code it means, and hints.
struct Failure {
  ExitCode code = ExitCode::failed;
  Error error;
  std::vector<std::string> hints;
};

template <typename T>
using CliResult = tl::expected<T, Failure>;

// The exit code an engine or framework error means when nothing more specific is known:
// needs_person for checksum_mismatch, failed_precondition and data_loss; failed otherwise.
ExitCode exit_code_for(const Error& error);

inline tl::unexpected<Failure> cli_fail(ExitCode code, Error error,
                                        std::vector<std::string> hints = {}) {
  return tl::make_unexpected(Failure{code, std::move(error), std::move(hints)});
}
inline tl::unexpected<Failure> usage_fail(std::string message,
                                          std::vector<std::string> hints = {}) {
  return cli_fail(ExitCode::usage, Error(ErrorCode::invalid_input, std::move(message)),
                  std::move(hints));
}

// `result` with its error mapped to a Failure with `code` (default: exit_code_for).
template <typename T>
CliResult<T> lift(Result<T> result, std::optional<ExitCode> code = std::nullopt) {
  return std::move(result).map_error([&](Error e) {
    const ExitCode c = code.value_or(exit_code_for(e));
    return Failure{c, std::move(e), {}};
  });
}

struct Context {
  const CliEnvironment& env;
  Console& console;
  std::string db_path;  // --db, else DATABASE_PATH; "" when neither.
  std::string dir;      // --dir; "" when not given.

  // The database path. Usage failure when neither --db nor DATABASE_PATH gave one.
  CliResult<std::string> database() const;
  // The database path, which must name an existing file: failed (exit 1) when it does not,
  // and nothing is created.
  CliResult<std::string> existing_database() const;
  // The migrations: the SQL files of --dir, else the program's default. A missing or malformed
  // directory is a usage failure.
  CliResult<migrate::MigrationSet> migrations() const;
  // True when the default migrations are used (no --dir).
  bool default_migrations() const { return dir.empty(); }
  // A progress callback drawing on `bar` when stderr is a terminal; empty otherwise.
  backup::Progress progress(ProgressBar* bar) const;
  // "<program> <command>", written into the lock file for other writers to see.
  std::string command_label(std::string_view command) const;
};

struct WriterOptions {
  bool create = false;           // Create the database when it does not exist.
  bool allow_data_loss = false;  // See migrate::ManagerOptions::allow_data_loss.
  bool out_of_order = false;     // See migrate::ManagerOptions::out_of_order.
  backup::Progress progress;     // Progress of file backups and restores.
  // Called as each step completes (see migrate::ManagerOptions::on_step_done).
  std::function<void(const migrate::StepOutcome&)> on_step_done;
  // Called as each stage of a step begins, runs and ends (see migrate::ManagerOptions::on_stage).
  std::function<void(const migrate::StageEvent&)> on_stage;
};

// Opens the database as its single writer: takes the writer lock (failed, naming the holder,
// when another process has it), opens it and recovers an interrupted run. Without `create`, a
// missing database is a failure and nothing is created. `set` must outlive the manager.
CliResult<std::unique_ptr<migrate::SafeMigrationManager>> open_writer(
    const Context& ctx, const migrate::MigrationSet& set, std::string_view command,
    WriterOptions options);

// Opens an existing database read-only; a missing one is a failure and nothing is created.
CliResult<std::unique_ptr<db::Connection>> open_reader(const Context& ctx);

// Prints the recovery open_writer did, if any: "recovered from an interrupted V4 …: …".
void print_recovery(Context& ctx, const migrate::SafeMigrationManager& manager);

}  // namespace safemig::cli
