// `new NAME`: the next empty SQL migration file in --dir.
//
// Thread safety: see commands.h.
#include "commands.h"
#include "safemig/migrate/sql_file_loader.h"

namespace safemig::cli {

CliResult<ExitCode> run_new(Context& ctx, const NewArgs& args) {
  if (ctx.dir.empty()) {
    return usage_fail("'new' needs the migrations directory",
                      {"pass --dir MIGRATIONS_DIR, the directory to create the file in"});
  }
  auto created = migrate::new_migration_file(ctx.dir, args.name);
  if (!created) {
    const ErrorCode code = created.error().code;
    const bool usage = code == ErrorCode::not_found || code == ErrorCode::invalid_input;
    return cli_fail(usage ? ExitCode::usage : ExitCode::failed, created.error());
  }
  ctx.console.out() << "created " << *created << '\n';
  return ExitCode::ok;
}

}  // namespace safemig::cli
