// `migrate` (with its dry run) and `downgrade`.
//
// Thread safety: see commands.h.
#include <filesystem>

#include "commands.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/journal.h"
#include "safemig/migrate/repeatables.h"
#include "stage_progress.h"

namespace safemig::cli {
namespace {

using migrate::Direction;
using migrate::MigrationSet;
using migrate::MigrationStep;

// "-- V3 rebuild (up; in a transaction; rebuilds tables; touches: t, u)".
std::string step_header(const MigrationStep& step, Direction direction) {
  std::string text = "-- " + step.label() + " (" + std::string(migrate::to_string(direction));
  text += step.transactional ? "; in a transaction" : "; outside a transaction";
  if (step.rebuilds_tables) text += "; rebuilds tables";
  if (!step.touched_tables.empty()) {
    text += "; touches: ";
    for (std::size_t i = 0; i < step.touched_tables.size(); ++i) {
      text += (i > 0 ? ", " : "") + step.touched_tables[i];
    }
  }
  if (step.row_policy == migrate::RowPolicy::declared_change) text += "; changes row counts";
  return text + ")";
}

// The version `--to TEXT` names: a step's version as the steps show it (a number, or Diesel's
// text version). `empty_allowed` (downgrade): 0 names the empty database, unless 0 is a version
// of the set (golang-migrate numbers from 0). A usage failure otherwise, found before the
// database is opened, so a typo creates nothing.
CliResult<migrate::Version> resolve_target(const MigrationSet& set, const std::string& text,
                                           bool empty_allowed) {
  const Result<migrate::Version> version = set.parse_version(text);
  if (version && set.find(*version) != nullptr) return *version;
  if (version && empty_allowed && *version == 0) return migrate::kNoVersion;
  std::string versions;
  for (const MigrationStep& step : set.steps()) {
    versions += (versions.empty() ? "" : ", ") + step.shown_version();
  }
  return usage_fail(
      "--to " + text + " is not " + (empty_allowed ? "0 or " : "") + "a version of the migrations",
      {"the versions are: " + (versions.empty() ? "none" : versions)});
}

// Exit 3 (nothing changed) when an applied step was changed or removed, or a step below the
// current version was never applied: a person must decide.
CliResult<void> refuse_definition_problems(const Context& ctx, const MigrationSet& set,
                                           const std::vector<migrate::HistoryEntry>& history,
                                           bool out_of_order = false) {
  auto checked = migrate::check_definitions(
      set, history, "applied migrations differ from their definitions:", out_of_order);
  if (checked) return {};
  std::vector<std::string> hints = {"nothing was changed; '" + ctx.env.program_name +
                                    " verify' lists every difference"};
  if (!migrate::find_skipped_steps(set, history).empty()) {
    hints.push_back("'" + ctx.env.program_name +
                    " migrate --out-of-order' runs the steps below the applied ones");
  }
  return cli_fail(ExitCode::needs_person, std::move(checked).error(), std::move(hints));
}

CliResult<ExitCode> dry_run(Context& ctx, const MigrationSet& set, const MigrateArgs& args,
                            std::optional<migrate::Version> target) {
  SAFEMIG_TRY(std::string path, ctx.database());
  std::vector<migrate::HistoryEntry> history;
  std::vector<migrate::RepeatableRun> runs;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    SAFEMIG_TRY(auto conn, open_reader(ctx));
    SAFEMIG_TRY(history, lift(migrate::read_history(*conn)));
    SAFEMIG_TRY(runs, lift(migrate::read_repeatable_runs(*conn)));
    if (auto journal = migrate::read_journal(path); journal && *journal) {
      ctx.console.warning("an interrupted migration (V" + set.version_name((*journal)->version) +
                          " " + (*journal)->name +
                          ") awaits recovery; a real run recovers it first");
    }
  }
  SAFEMIG_TRY_VOID(refuse_definition_problems(ctx, set, history, args.out_of_order));
  SAFEMIG_TRY(auto plan, lift(migrate::plan_upgrade(set, history, target, args.out_of_order),
                              ExitCode::usage));
  // Repeatable steps run after the versioned ones, as migrate runs them.
  const std::vector<const MigrationStep*> repeatables = migrate::pending_repeatables(set, runs);
  std::ostream& out = ctx.console.out();
  out << "dry run: nothing is changed\n";
  out << path << ": version " << set.version_name(plan.from_version) << " -> "
      << set.version_name(plan.to_version) << ", " << plan.steps.size()
      << (plan.steps.size() == 1 ? " step" : " steps");
  if (!repeatables.empty()) {
    out << " and " << repeatables.size()
        << (repeatables.size() == 1 ? " repeatable step" : " repeatable steps");
  }
  out << '\n';
  std::vector<const MigrationStep*> steps = plan.steps;
  steps.insert(steps.end(), repeatables.begin(), repeatables.end());
  for (const MigrationStep* step : steps) {
    out << '\n' << step_header(*step, Direction::up) << '\n';
    std::string body = step->body_description(step->up);
    if (!body.empty() && body.back() != '\n') body += '\n';
    out << body;
  }
  return ExitCode::ok;
}

// Prints each step as it completes, so that the steps a run applied before a failing one are
// on record too.
std::function<void(const migrate::StepOutcome&)> outcome_printer(std::ostream& out,
                                                                 const MigrationSet& set) {
  return [&out, &set](const migrate::StepOutcome& step) {
    out << (step.direction == Direction::up ? "applied " : "undid ")
        << (step.repeatable ? std::string("R") : 'V' + set.version_name(step.version)) << ' '
        << step.name << " in " << step.duration.count() << " ms";
    if (!step.backup_path.empty()) out << " (backup: " << step.backup_path << ')';
    out << std::endl;
  };
}

// The failure of a run, with where the database stands now.
Failure run_failure(migrate::SafeMigrationManager& manager, const MigrationSet& set,
                    const Error& error) {
  Failure failure{exit_code_for(error), error, {}};
  if (auto version = manager.current_version(); version) {
    if (failure.code == ExitCode::failed) {
      failure.hints.push_back("the failed step was rolled back; the database is at version " +
                              set.version_name(*version) + " and nothing was lost");
    } else {
      failure.hints.push_back("the database is at version " + set.version_name(*version));
    }
  }
  return failure;
}

}  // namespace

CliResult<ExitCode> run_migrate(Context& ctx, const MigrateArgs& args) {
  SAFEMIG_TRY(auto set, ctx.migrations());
  std::optional<migrate::Version> target;
  if (args.to) {
    SAFEMIG_TRY(target, resolve_target(set, *args.to, false));
  }
  if (set.steps().empty() && set.repeatables().empty()) {
    // Most likely --dir names the wrong directory; a database created for nothing would hide it.
    return usage_fail("there are no migrations in " + set.source(),
                      {"nothing was created or changed; check --dir"});
  }
  if (args.dry_run) return dry_run(ctx, set, args, target);

  WriterOptions options;
  options.create = true;
  options.allow_data_loss = args.allow_data_loss;
  options.out_of_order = args.out_of_order;
  options.on_step_done = outcome_printer(ctx.console.out(), set);
  // Declared before the manager, which holds its callbacks.
  StagePrinter stages(ctx.console);
  options.on_stage = stages.stage_callback();
  options.progress = stages.progress_callback();
  SAFEMIG_TRY(auto manager, open_writer(ctx, set, "migrate", std::move(options)));
  print_recovery(ctx, *manager);
  SAFEMIG_TRY(auto history, lift(manager->history()));
  SAFEMIG_TRY_VOID(refuse_definition_problems(ctx, set, history, args.out_of_order));
  SAFEMIG_TRY(migrate::Version current, lift(manager->current_version()));
  SAFEMIG_TRY(auto plan, lift(migrate::plan_upgrade(set, history, target, args.out_of_order),
                              ExitCode::usage));
  SAFEMIG_TRY(auto runs, lift(migrate::read_repeatable_runs(manager->connection())));
  std::ostream& out = ctx.console.out();
  if (plan.steps.empty() && migrate::pending_repeatables(set, runs).empty()) {
    out << ctx.db_path << ": at version " << set.version_name(current) << ", nothing to apply\n";
    return ExitCode::ok;
  }
  auto report = manager->migrate(target);
  if (!report) return tl::make_unexpected(run_failure(*manager, set, report.error()));
  out << ctx.db_path << ": at version " << set.version_name(report->to_version) << '\n';
  return ExitCode::ok;
}

CliResult<ExitCode> run_downgrade(Context& ctx, const DowngradeArgs& args) {
  SAFEMIG_TRY(auto set, ctx.migrations());
  SAFEMIG_TRY(const migrate::Version target, resolve_target(set, args.to, true));
  WriterOptions options;
  options.allow_data_loss = args.allow_data_loss;
  options.on_step_done = outcome_printer(ctx.console.out(), set);
  // Declared before the manager, which holds its callbacks.
  StagePrinter stages(ctx.console);
  options.on_stage = stages.stage_callback();
  options.progress = stages.progress_callback();
  SAFEMIG_TRY(auto manager, open_writer(ctx, set, "downgrade", std::move(options)));
  print_recovery(ctx, *manager);
  SAFEMIG_TRY(auto history, lift(manager->history()));
  SAFEMIG_TRY_VOID(refuse_definition_problems(ctx, set, history));
  SAFEMIG_TRY(migrate::Version current, lift(manager->current_version()));
  SAFEMIG_TRY(auto plan, lift(migrate::plan_downgrade(set, current, target), ExitCode::usage));
  std::ostream& out = ctx.console.out();
  if (plan.steps.empty()) {
    out << ctx.db_path << ": at version " << set.version_name(current) << ", nothing to undo\n";
    return ExitCode::ok;
  }
  auto report = manager->downgrade(target);
  if (!report) return tl::make_unexpected(run_failure(*manager, set, report.error()));
  out << ctx.db_path << ": at version " << set.version_name(report->to_version) << '\n';
  return ExitCode::ok;
}

}  // namespace safemig::cli
