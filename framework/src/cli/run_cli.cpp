// run_cli: parses the command line with CLI11 and runs one command.
//
// Thread safety: see safemig/cli/cli.h.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <functional>

#include "commands.h"
#include "console.h"
#include "context.h"
#include "safemig/cli/cli.h"

namespace safemig::cli {
namespace {

std::optional<std::string> process_env(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// The parser and the arguments it fills. The command to run is chosen after parsing.
struct Parser {
  CLI::App app;
  std::string db;
  std::string dir;
  StatusArgs status;
  MigrateArgs migrate;
  std::string migrate_to;
  DowngradeArgs downgrade;
  HistoryArgs history;
  VerifyArgs verify;
  BackupArgs backup;
  BackupsArgs backups;
  RestoreArgs restore;
  PruneArgs prune;
  SchemaArgs schema;
  NewArgs new_file;
  BaselineArgs baseline;
  CLI::Option* migrate_to_option = nullptr;
  std::vector<std::pair<CLI::App*, std::function<CliResult<ExitCode>(Context&)>>> commands;

  explicit Parser(const std::string& program)
      : app("Changes a SQLite database's schema without losing data.", program) {
    app.add_option("--db", db, "SQLite database file (default: $DATABASE_PATH)");
    app.add_option("--dir", dir,
                   "directory of SQL migrations V<n>__<name>.sql (default: the built-in ones)");
    app.require_subcommand(1);
    app.fallthrough();
    app.footer(
        "Exit codes: 0 done; 1 failed and rolled back, nothing lost; 2 usage error; "
        "3 needs a person (e.g. a changed applied migration).");

    auto* s = add("status", "show the version, pending steps and problems",
                  [this](Context& c) { return run_status(c, status); });
    s->add_flag("--json", status.json, "print JSON");

    auto* m = add("migrate", "apply pending migrations safely",
                  [this](Context& c) { return run_migrate(c, migrate); });
    migrate_to_option = m->add_option("--to", migrate_to, "target version (default: latest)");
    m->add_flag("--dry-run", migrate.dry_run, "print the plan and SQL; change nothing");
    m->add_flag("--allow-data-loss", migrate.allow_data_loss,
                "run steps that remove rows or values; the removed data stays in backup tables");
    m->add_flag("--out-of-order", migrate.out_of_order,
                "also run steps below the current version that were never applied (merged "
                "branches), first");

    auto* d = add("downgrade", "undo migrations down to a version",
                  [this](Context& c) { return run_downgrade(c, downgrade); });
    d->add_option("--to", downgrade.to,
                  "target version (0: undo every step, unless 0 is a version)")
        ->required();
    d->add_flag("--allow-data-loss", downgrade.allow_data_loss,
                "run down steps that remove rows or values; the removed data stays in backup "
                "tables");

    auto* h = add("history", "list applied and undone migrations",
                  [this](Context& c) { return run_history(c, history); });
    h->add_flag("--json", history.json, "print JSON");

    auto* v = add("verify", "check checksums, schema, integrity, foreign keys and backups",
                  [this](Context& c) { return run_verify(c, verify); });
    v->add_flag("--deep", verify.deep, "run integrity_check on the database and every backup");

    auto* b = add("backup", "take a verified file backup now",
                  [this](Context& c) { return run_backup(c, backup); });
    b->add_flag("--gzip", backup.gzip, "store the backup gzip-compressed");

    auto* l = add("backups", "list the file backups and backup tables, newest first",
                  [this](Context& c) { return run_backups(c, backups); });
    l->add_flag("--json", backups.json, "print JSON");

    auto* r = add("restore", "replace the database with a backup (the current one is kept)",
                  [this](Context& c) { return run_restore(c, restore); });
    r->add_option("file", restore.file, "the backup file")->required();
    r->add_flag("--force", restore.force, "restore even when the .sha256 is missing or differs");

    auto* p = add("prune", "keep the newest N backups, remove the others",
                  [this](Context& c) { return run_prune(c, prune); });
    p->add_option("--keep", prune.keep,
                  "how many file backups and backup-table runs to keep (at least 1)");
    p->add_option("--table", prune.tables,
                  "drop this backup table, even one holding removed data (repeatable)");

    auto* sc = add("schema", "print the live schema",
                   [this](Context& c) { return run_schema(c, schema); });
    sc->add_flag("--json", schema.json, "print the JSON form");
    sc->add_option("action", schema.action,
                   "'snapshot': write the live schema to --dir as V<version>.schema.json, the "
                   "expected schema of that version from then on")
        ->check(CLI::IsMember({"snapshot"}));
    sc->add_flag("--force", schema.force, "snapshot: replace an existing snapshot");

    auto* n = add("new", "create the next empty V<n>__<name>.sql in --dir",
                  [this](Context& c) { return run_new(c, new_file); });
    n->add_option("name", new_file.name, "the migration's name, e.g. add_users")->required();

    auto* bl = add("baseline",
                   "record the steps up to --version as applied on an existing database whose "
                   "schema they produce",
                   [this](Context& c) { return run_baseline(c, baseline); });
    bl->add_option("--version", baseline.version, "the version the database is at")->required();
  }

  CLI::App* add(const std::string& name, const std::string& description,
                std::function<CliResult<ExitCode>(Context&)> run) {
    CLI::App* sub = app.add_subcommand(name, description);
    commands.emplace_back(sub, std::move(run));
    return sub;
  }

  // The message of a parse error. CLI11 reports an unknown command as a missing one; name it.
  std::string describe(const CLI::ParseError& e) const {
    const bool chosen = std::any_of(commands.begin(), commands.end(),
                                    [](const auto& command) { return command.first->parsed(); });
    const std::vector<std::string> extra = app.remaining();
    if (chosen || extra.empty() || extra.front().starts_with("-")) return e.what();
    std::string names;
    for (const auto& command : commands) {
      names += (names.empty() ? "" : ", ") + command.first->get_name();
    }
    return "unknown command '" + extra.front() + "'; the commands are: " + names;
  }

  // The command chosen, after a successful parse.
  CliResult<ExitCode> run_chosen(Context& ctx) {
    if (migrate_to_option->count() > 0) migrate.to = migrate_to;
    for (auto& [sub, run] : commands) {
      if (sub->parsed()) return run(ctx);
    }
    return usage_fail("no command given");
  }
};

int run(int argc, const char* const* argv, const CliEnvironment& env, Console& console) {
  Parser parser(console.program());
  try {
    parser.app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return parser.app.exit(e, console.out(), console.err());
  } catch (const CLI::CallForAllHelp& e) {
    return parser.app.exit(e, console.out(), console.err());
  } catch (const CLI::ParseError& e) {
    console.error(Error(ErrorCode::invalid_input, parser.describe(e)),
                  {"run '" + console.program() + " --help' for the commands and options"});
    return static_cast<int>(ExitCode::usage);
  }
  std::string db = parser.db;
  if (db.empty()) {
    const auto lookup = env.lookup_env ? env.lookup_env : process_env;
    db = lookup("DATABASE_PATH").value_or("");
  }
  Context ctx{env, console, db, parser.dir};
  auto result = parser.run_chosen(ctx);
  if (!result) {
    console.error(result.error().error, result.error().hints);
    return static_cast<int>(result.error().code);
  }
  return static_cast<int>(*result);
}

}  // namespace

int run_cli(int argc, const char* const* argv, const CliEnvironment& env, std::ostream& out,
            std::ostream& err) {
  Console console(out, err, env.stderr_is_terminal,
                  env.program_name.empty() ? std::string("safemig") : env.program_name);
  try {
    return run(argc, argv, env, console);
  } catch (const std::exception& e) {
    console.error(Error(ErrorCode::internal, std::string("unexpected failure: ") + e.what()),
                  {"this is a bug; please report it with the command that was run"});
  } catch (...) {
    console.error(Error(ErrorCode::internal, "unexpected failure of an unknown kind"),
                  {"this is a bug; please report it with the command that was run"});
  }
  return static_cast<int>(ExitCode::failed);
}

}  // namespace safemig::cli
