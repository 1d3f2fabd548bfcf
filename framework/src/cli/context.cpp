// Context: global options, exit codes of failures, and opening the database.
//
// Thread safety: see context.h.
#include "context.h"

#include <filesystem>
#include <system_error>

#include "progress_bar.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/sql_file_loader.h"

namespace safemig::cli {

ExitCode exit_code_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::checksum_mismatch:
    case ErrorCode::failed_precondition:
    case ErrorCode::data_loss:
      return ExitCode::needs_person;
    default:
      return ExitCode::failed;
  }
}

CliResult<std::string> Context::database() const {
  if (db_path.empty()) {
    return usage_fail("no database given",
                      {"pass --db PATH or set DATABASE_PATH to the SQLite database file"});
  }
  return db_path;
}

CliResult<std::string> Context::existing_database() const {
  SAFEMIG_TRY(std::string path, database());
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) {
    return cli_fail(ExitCode::failed, Error(ErrorCode::io, "cannot check the database '" + path +
                                                               "': " + ec.message())
                                          .with_file(path));
  }
  if (!exists) {
    return cli_fail(
        ExitCode::failed,
        Error(ErrorCode::not_found, "database '" + path + "' does not exist; nothing was created")
            .with_file(path),
        {"check --db (or DATABASE_PATH); '" + env.program_name +
         " migrate' creates a new database"});
  }
  return path;
}

CliResult<migrate::MigrationSet> Context::migrations() const {
  if (dir.empty()) {
    if (!env.default_migrations) {
      return usage_fail("no migrations given",
                        {"pass --dir MIGRATIONS_DIR, a directory of V<n>__<name>.sql files"});
    }
    return lift(env.default_migrations());
  }
  auto loaded = migrate::load_sql_directory(dir);
  if (!loaded) {
    const ErrorCode code = loaded.error().code;
    const bool usage = code == ErrorCode::not_found || code == ErrorCode::invalid_input;
    return cli_fail(usage ? ExitCode::usage : ExitCode::failed, loaded.error(),
                    {"--dir must name a directory of V<n>__<name>.sql files, each optionally "
                     "with a U<n>__<name>.sql that undoes it"});
  }
  return std::move(*loaded);
}

backup::Progress Context::progress(ProgressBar* bar) const {
  if (!env.stderr_is_terminal || bar == nullptr) return {};
  return bar->callback();
}

std::string Context::command_label(std::string_view command) const {
  return env.program_name + " " + std::string(command);
}

CliResult<std::unique_ptr<migrate::SafeMigrationManager>> open_writer(
    const Context& ctx, const migrate::MigrationSet& set, std::string_view command,
    WriterOptions options) {
  std::string path;
  if (options.create) {
    SAFEMIG_TRY(path, ctx.database());
  } else {
    SAFEMIG_TRY(path, ctx.existing_database());
  }
  migrate::ManagerOptions manager_options;
  manager_options.db_path = path;
  manager_options.command = ctx.command_label(command);
  manager_options.progress = std::move(options.progress);
  manager_options.on_step_done = std::move(options.on_step_done);
  manager_options.on_stage = std::move(options.on_stage);
  manager_options.allow_data_loss = options.allow_data_loss;
  manager_options.out_of_order = options.out_of_order;
  db::SqliteOptions sqlite_options;
  sqlite_options.create = options.create;
  manager_options.open_connection = [sqlite_options](const std::string& p) {
    return db::open_sqlite(p, sqlite_options);
  };
  auto manager = migrate::SafeMigrationManager::open(set, std::move(manager_options));
  if (!manager) {
    const Error& e = manager.error();
    std::vector<std::string> hints;
    if (e.code == ErrorCode::not_a_database) {
      hints.push_back("'" + path + "' was left untouched; check --db");
    } else if (e.code == ErrorCode::locked) {
      hints.push_back("nothing was changed; run the command again when the other writer is done");
    }
    return cli_fail(exit_code_for(e), e, std::move(hints));
  }
  return std::move(*manager);
}

CliResult<std::unique_ptr<db::Connection>> open_reader(const Context& ctx) {
  SAFEMIG_TRY(std::string path, ctx.existing_database());
  db::SqliteOptions options;
  options.read_only = true;
  options.create = false;
  return lift(db::open_sqlite(path, options));
}

void print_recovery(Context& ctx, const migrate::SafeMigrationManager& manager) {
  const auto& recovery = manager.recovery();
  if (!recovery) return;
  std::ostream& out = ctx.console.out();
  out << "recovered from an interrupted " << recovery->step << ": " << recovery->action
      << "; the database is at version " << recovery->version_after << '\n';
  if (!recovery->failed_copy.empty()) {
    out << "the interrupted database was kept as " << recovery->failed_copy << '\n';
  }
}

}  // namespace safemig::cli
