// The `safemig` command line as a library function, so that any application can ship it with
// its own MigrationSet (its schema history) and its own data checks.
//
//   safemig [--db PATH] [--dir MIGRATIONS_DIR] COMMAND [ARGS]
//
// Commands: status, migrate, downgrade, history, verify, backup, backups, restore, prune,
// schema, new. Exit codes (ExitCode): 0 done; 1 failed and rolled back, nothing lost (also: a
// second writer refused, a missing database); 2 usage error; 3 a person must decide (checksum
// mismatch, unrecoverable journal, verify findings).
//
// Thread safety: run_cli may run on several threads at once (each with its own streams); two
// runs on the same database exclude each other through the single-writer lock.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/step.h"

namespace safemig::cli {

enum class ExitCode : int {
  ok = 0,            // Done.
  failed = 1,        // Failed; the database is as it was (rolled back), nothing lost.
  usage = 2,         // The command line or the migrations directory is malformed.
  needs_person = 3,  // A person must decide: checksum mismatch, unrecoverable state, findings.
};

// What the command line needs from the program that embeds it.
struct CliEnvironment {
  // The name shown in messages and help ("safemig").
  std::string program_name = "safemig";
  // The migrations used when --dir is not given (the application's history). Empty: --dir is
  // required.
  std::function<Result<migrate::MigrationSet>()> default_migrations;
  // Extra findings of `verify` over the application's data (one line per finding), run on a
  // read-only connection when the default migrations are used. Empty: none.
  std::function<Result<std::vector<std::string>>(db::Connection&)> extra_verify;
  // Whether stderr is a terminal: enables the progress bar and colour.
  bool stderr_is_terminal = false;
  // Reads an environment variable (DATABASE_PATH); nullopt when unset. Default: the process
  // environment.
  std::function<std::optional<std::string>(std::string_view)> lookup_env;
};

// Runs one command. `argv[0]` is the program; the rest are the arguments. Normal output goes to
// `out`, errors ("<program>: error: …" with "hint: …" lines) and progress go to `err`.
// Never throws: parse errors are usage errors (exit 2) and any unexpected exception is reported
// as an error (exit 1). Returns the exit code as an int (see ExitCode).
int run_cli(int argc, const char* const* argv, const CliEnvironment& env, std::ostream& out,
            std::ostream& err);

}  // namespace safemig::cli
