// `history` and `schema`: read-only views of the database.
//
// Thread safety: see commands.h.
#include <boost/json/array.hpp>

#include "commands.h"
#include "json_output.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/schema_snapshot.h"
#include "safemig/schema/introspect.h"
#include "safemig/schema/schema_json.h"
#include "text_table.h"

namespace safemig::cli {

CliResult<ExitCode> run_history(Context& ctx, const HistoryArgs& args) {
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(auto history, lift(migrate::read_history(*conn)));
  std::ostream& out = ctx.console.out();
  if (args.json) {
    boost::json::array entries;
    for (const auto& entry : history) entries.push_back(history_entry_json(entry));
    print_json(out, entries);
    return ExitCode::ok;
  }
  if (history.empty()) {
    out << ctx.db_path << ": no migration has been applied\n";
    return ExitCode::ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : history) {
    rows.push_back({std::to_string(e.version), e.name, std::string(migrate::to_string(e.direction)),
                    e.applied_at, std::to_string(e.duration_ms) + " ms", e.checksum,
                    e.backup_path.empty() ? "-" : e.backup_path});
  }
  out << format_table(
      {"version", "name", "direction", "applied_at", "duration", "checksum", "backup"}, rows);
  return ExitCode::ok;
}

namespace {

CliResult<ExitCode> run_schema_snapshot(Context& ctx, const SchemaArgs& args) {
  if (ctx.dir.empty()) {
    return usage_fail("'schema snapshot' needs the migrations directory",
                      {"pass --dir MIGRATIONS_DIR, where V<version>.schema.json is written"});
  }
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(int version, lift(migrate::read_current_version(*conn)));
  if (version == 0) {
    return cli_fail(ExitCode::failed,
                    Error(ErrorCode::failed_precondition,
                          "no migration has been applied to " + ctx.db_path +
                              ", so there is no version to snapshot; run 'migrate' first"));
  }
  SAFEMIG_TRY(auto live, lift(schema::read_schema(*conn)));
  auto written = migrate::write_schema_snapshot(ctx.dir, version, live, args.force);
  if (!written) {
    const bool usage = written.error().code == ErrorCode::invalid_input;
    return cli_fail(usage ? ExitCode::usage : ExitCode::failed, written.error());
  }
  ctx.console.out() << "wrote " << *written << " (the expected schema of version " << version
                    << "; review it and commit it with the migrations)\n";
  return ExitCode::ok;
}

}  // namespace

CliResult<ExitCode> run_schema(Context& ctx, const SchemaArgs& args) {
  if (args.action == "snapshot") return run_schema_snapshot(ctx, args);
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(auto live, lift(schema::read_schema(*conn)));
  ctx.console.out() << (args.json ? schema::to_json(live) : schema::describe(live));
  return ExitCode::ok;
}

}  // namespace safemig::cli
