// `verify [--deep]`: everything that can be checked without changing anything.
//
// Checks, in order: checksums of applied steps against the migrations; the live schema against
// the expected schema of the current version (when declared); quick_check (integrity_check with
// --deep); foreign_key_check; every file backup's SHA-256 (and integrity_check with --deep); the
// application's own findings. Each check prints "ok: …" or one "problem: …" line per finding.
//
// Thread safety: see commands.h.
#include <filesystem>

#include "commands.h"
#include "progress_bar.h"
#include "safemig/backup/retention.h"
#include "safemig/backup/verify.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/journal.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/introspect.h"

namespace safemig::cli {
namespace {

class Findings {
 public:
  explicit Findings(std::ostream& out) : out_(out) {}
  void ok(const std::string& what) { out_ << "ok: " << what << '\n'; }
  void note(const std::string& what) { out_ << "note: " << what << '\n'; }
  void problem(const std::string& what) {
    out_ << "problem: " << what << '\n';
    ++count_;
  }
  // A changed applied step, named by its label ("V2 add").
  void changed_step(const std::string& label, const std::string& what) {
    problem(what);
    changed_steps_.push_back(label);
  }
  int count() const { return count_; }
  const std::vector<std::string>& changed_steps() const { return changed_steps_; }

 private:
  std::ostream& out_;
  int count_ = 0;
  std::vector<std::string> changed_steps_;
};

void check_checksums(Findings& f, const migrate::MigrationSet& set,
                     const std::vector<migrate::HistoryEntry>& history) {
  const auto mismatches = migrate::find_checksum_mismatches(set, history);
  for (const auto& m : mismatches) {
    f.changed_step(
        "V" + (m.version_name.empty() ? migrate::version_text(m.version) : m.version_name) + " " +
            m.name,
        m.describe());
  }
  const auto skipped = migrate::find_skipped_steps(set, history);
  for (const auto* step : skipped) {
    f.changed_step(step->label(), migrate::describe_skipped(
                                      *step, set.version_name(migrate::current_version(history))));
  }
  if (mismatches.empty() && skipped.empty()) {
    const auto applied = migrate::applied_entries(history).size();
    f.ok("checksums of " + std::to_string(applied) + " applied step(s) match the migrations");
  }
}

CliResult<void> check_schema(Findings& f, db::Connection& conn, const migrate::MigrationSet& set,
                             migrate::Version version) {
  const auto expected = set.expected_schema_at(version);
  if (!expected) {
    f.note("no expected schema is declared for version " + set.version_name(version) +
           "; schema not compared");
    return {};
  }
  SAFEMIG_TRY(auto live, lift(schema::read_schema(conn)));
  const auto diff = schema::diff_schemas(*expected, live);
  if (diff.empty()) {
    f.ok("schema matches the expected schema of version " + set.version_name(version));
  }
  for (const auto& line : diff.differences) {
    f.problem("schema differs from version " + set.version_name(version) + ": " + line);
  }
  return {};
}

CliResult<void> check_integrity(Findings& f, db::Connection& conn, bool deep) {
  const std::string pragma = deep ? "integrity_check" : "quick_check";
  SAFEMIG_TRY(auto rows, lift(conn.query("PRAGMA " + pragma)));
  if (rows.size() == 1 && rows[0].text(0) == "ok") {
    f.ok(pragma);
    return {};
  }
  for (const auto& row : rows) f.problem(pragma + ": " + row.text(0));
  return {};
}

CliResult<void> check_foreign_keys(Findings& f, db::Connection& conn) {
  SAFEMIG_TRY(auto rows, lift(conn.query("PRAGMA foreign_key_check")));
  if (rows.empty()) f.ok("foreign_key_check");
  for (const auto& row : rows) {
    f.problem("foreign key violation: table " + row.text(0) + " row " +
              (row.is_null(1) ? std::string("(without rowid)") : row.text(1)) +
              " refers to a missing row of " + row.text(2));
  }
  return {};
}

// Only the backups safemig wrote are checked (retention.h): SQLite's side files of a backup and
// other files are not backups. A file with a backup's name that is not one is noted, not a
// problem: it may be a backup whose .sha256 was deleted.
CliResult<void> check_backups(Findings& f, const Context& ctx, bool deep) {
  SAFEMIG_TRY(auto backups, lift(backup::list_backups(ctx.db_path)));
  SAFEMIG_TRY(auto lookalikes, lift(backup::list_backup_lookalikes(ctx.db_path)));
  for (const auto& path : lookalikes) {
    f.note(path +
           " has a backup's name but no .sha256 beside it (or is not a file), so it is not "
           "checked as a backup; restore it with --force if it is one, else remove it");
  }
  if (backups.empty()) {
    f.note("no file backups to check");
    return {};
  }
  ProgressBar bar(ctx.console.err(), "verifying");
  for (const auto& info : backups) {
    bar.relabel("verifying " + std::filesystem::path(info.path).filename().string());
    backup::VerifyOptions options;
    options.deep = deep;
    options.progress = ctx.progress(&bar);
    auto verified = backup::verify_backup(info.path, options);
    bar.finish();
    if (verified) {
      f.ok("backup " + info.path + (deep ? " (sha256, integrity_check)" : " (sha256)"));
    } else {
      f.problem("backup " + info.path + ": " + verified.error().message);
    }
  }
  return {};
}

CliResult<void> check_application(Findings& f, const Context& ctx, db::Connection& conn) {
  if (!ctx.default_migrations() || !ctx.env.extra_verify) return {};
  SAFEMIG_TRY(auto issues, lift(ctx.env.extra_verify(conn)));
  if (issues.empty()) f.ok("application data checks");
  for (const auto& issue : issues) f.problem(issue);
  return {};
}

}  // namespace

CliResult<ExitCode> run_verify(Context& ctx, const VerifyArgs& args) {
  SAFEMIG_TRY(auto set, ctx.migrations());
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  Findings f(ctx.console.out());
  if (const std::string holder = db::WriterLock::current_holder(ctx.db_path); !holder.empty()) {
    f.note("the database is open for writing by " + holder + "; results may change meanwhile");
  } else if (auto journal = migrate::read_journal(ctx.db_path); journal && *journal) {
    f.problem("an interrupted migration (V" + set.version_name((*journal)->version) + " " +
              (*journal)->name + ") awaits recovery; run '" + ctx.env.program_name +
              " status' to recover it");
  }
  SAFEMIG_TRY(auto history, lift(migrate::read_history(*conn)));
  check_checksums(f, set, history);
  SAFEMIG_TRY_VOID(check_schema(f, *conn, set, migrate::current_version(history)));
  SAFEMIG_TRY_VOID(check_integrity(f, *conn, args.deep));
  SAFEMIG_TRY_VOID(check_foreign_keys(f, *conn));
  SAFEMIG_TRY_VOID(check_backups(f, ctx, args.deep));
  SAFEMIG_TRY_VOID(check_application(f, ctx, *conn));
  std::ostream& out = ctx.console.out();
  if (f.count() == 0) {
    out << "verify: all checks passed\n";
    return ExitCode::ok;
  }
  out << "verify: " << f.count() << (f.count() == 1 ? " problem" : " problems") << " found\n";
  std::string message = "verify found " + std::to_string(f.count()) +
                        (f.count() == 1 ? " problem" : " problems") + " (listed above)";
  std::vector<std::string> hints;
  if (!f.changed_steps().empty()) {
    std::string steps;
    for (const auto& label : f.changed_steps()) steps += (steps.empty() ? "" : ", ") + label;
    message += "; applied migrations were changed: " + steps;
    hints.push_back("restore the original migration files; a change must become a new step");
  }
  ctx.console.error(Error(ErrorCode::failed_precondition, message), hints);
  return ExitCode::needs_person;
}

}  // namespace safemig::cli
