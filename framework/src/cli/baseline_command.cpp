// `baseline --version V`: adopts an existing database by recording the steps up to V as applied,
// once its schema is the one those steps produce.
//
// Thread safety: see commands.h.
#include "commands.h"
#include "safemig/migrate/baseline.h"

namespace safemig::cli {

CliResult<ExitCode> run_baseline(Context& ctx, const BaselineArgs& args) {
  SAFEMIG_TRY(auto set, ctx.migrations());
  const Result<migrate::Version> version = set.parse_version(args.version);
  if (!version || set.find(*version) == nullptr) {
    return usage_fail("--version " + args.version + " is not a version of the migrations",
                      {"'" + ctx.env.program_name + " status' lists them"});
  }
  SAFEMIG_TRY(auto manager, open_writer(ctx, set, "baseline", {}));
  print_recovery(ctx, *manager);
  migrate::BaselineOptions options;
  options.backup_marker = "(baseline)";
  auto report = migrate::baseline(manager->connection(), set, *version, options);
  if (!report) {
    const bool differs = report.error().code == ErrorCode::schema_mismatch;
    return cli_fail(exit_code_for(report.error()), report.error(),
                    {differs ? "nothing was recorded; make the database match, or baseline at "
                               "the version whose schema it has"
                             : "nothing was recorded"});
  }
  std::ostream& out = ctx.console.out();
  for (const migrate::HistoryEntry& entry : report->recorded) {
    out << "recorded V" << entry.shown_version() << ' ' << entry.name << " as applied\n";
  }
  out << ctx.db_path << ": at version " << set.version_name(report->version)
      << " (baseline; the schema matches what these steps produce)\n";
  return ExitCode::ok;
}

}  // namespace safemig::cli
