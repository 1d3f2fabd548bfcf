// `status`: where the database stands against the migrations.
//
// Thread safety: see commands.h.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <set>
#include <string_view>

#include "commands.h"
#include "json_output.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/foreign_history.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/journal.h"
#include "safemig/migrate/repeatables.h"

namespace safemig::cli {
namespace {

struct StatusReport {
  std::string database;
  std::string source;
  std::string layout;
  migrate::Version version = migrate::kNoVersion;
  migrate::Version latest = migrate::kNoVersion;
  // How the two are shown (version_name of the set).
  std::string version_shown = "none";
  std::string latest_shown = "none";
  // The text versions of the two (Diesel's), empty for numbers: their JSON form is a string.
  std::string version_name;
  std::string latest_name;
  std::vector<const migrate::MigrationStep*> pending;
  // Repeatable steps the next migrate runs: never run, or changed since their latest run.
  std::vector<const migrate::MigrationStep*> pending_repeatables;
  std::set<std::string> ran_repeatables;  // Names with a recorded run.
  std::vector<migrate::ChecksumMismatch> mismatches;
  std::vector<const migrate::MigrationStep*> skipped;  // Unapplied below the current version.
  std::string writer;                                  // Holder of the lock; "" when free.
  std::string running_step;  // Step named by the running writer's journal.
  // The step an interrupted run left (its journal, no writer running); "" when none.
  std::string interrupted;
  std::string foreign;        // Another tool's history, when safemig has none yet.
  std::string foreign_dirty;  // What a person must do when that history records a failed run.
};

void fill_from_history(StatusReport& report, const migrate::MigrationSet& set,
                       const std::vector<migrate::HistoryEntry>& history) {
  report.version = migrate::current_version(history);
  report.latest = set.latest_version();
  report.version_shown = set.version_name(report.version);
  report.latest_shown = set.version_name(report.latest);
  if (const migrate::MigrationStep* step = set.find(report.version)) {
    report.version_name = step->version_name;
  }
  if (const migrate::MigrationStep* step = set.find(report.latest)) {
    report.latest_name = step->version_name;
  }
  report.mismatches = migrate::find_checksum_mismatches(set, history);
  report.skipped = migrate::find_skipped_steps(set, history);
  for (const migrate::MigrationStep& step : set.steps()) {
    if (step.version > report.version) report.pending.push_back(&step);
  }
}

// Another tool's history (foreign_history.h), when safemig has none: the steps it applied, as
// history rows of the set's steps, which the next migrate records before it runs the rest. A
// dirty history is reported and shows nothing applied.
CliResult<std::vector<migrate::HistoryEntry>> foreign_history(db::Connection& conn,
                                                              const migrate::MigrationSet& set,
                                                              StatusReport& report) {
  std::vector<migrate::HistoryEntry> entries;
  SAFEMIG_TRY(auto foreign, lift(migrate::read_foreign_history(conn)));
  if (!foreign) return entries;
  report.foreign = foreign->describe();
  if (foreign->dirty) {
    report.foreign_dirty = foreign->dirty_message();
    return entries;
  }
  for (const migrate::Version version : migrate::applied_versions(*foreign, set)) {
    const migrate::MigrationStep* step = set.find(version);
    if (step == nullptr) continue;
    migrate::HistoryEntry entry;
    entry.version = version;
    entry.version_name = step->version_name;
    entry.name = step->name;
    entry.checksum = step->checksum();
    entries.push_back(std::move(entry));
  }
  return entries;
}

// The report read through a read-only connection; `holder` is the process holding the writer
// lock, "" when none does.
CliResult<StatusReport> read_only_report(const Context& ctx, const migrate::MigrationSet& set,
                                         std::string holder) {
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(auto history, lift(migrate::read_history(*conn)));
  StatusReport report;
  if (history.empty()) {
    SAFEMIG_TRY(history, foreign_history(*conn, set, report));
  }
  fill_from_history(report, set, history);
  SAFEMIG_TRY(auto runs, lift(migrate::read_repeatable_runs(*conn)));
  report.pending_repeatables = migrate::pending_repeatables(set, runs);
  for (const migrate::RepeatableRun& run : runs) report.ran_repeatables.insert(run.name);
  report.writer = std::move(holder);
  if (auto journal = migrate::read_journal(ctx.db_path); journal && *journal) {
    report.running_step = "V" + set.version_name((*journal)->version) + " " + (*journal)->name;
  }
  return report;
}

// Status only reads, through a read-only connection: it changes nothing in the file (not even
// its journal mode), never holds the writer lock a migrate or the proxy needs, and never
// recovers an interrupted run: it reports one, and the next writer recovers it.
CliResult<StatusReport> collect(const Context& ctx, const migrate::MigrationSet& set) {
  SAFEMIG_TRY(std::string path, ctx.existing_database());
  std::string holder = db::WriterLock::current_holder(path);
  SAFEMIG_TRY(StatusReport report, read_only_report(ctx, set, holder));
  if (holder.empty()) {
    if (auto journal = migrate::read_journal(path); !journal) {
      report.interrupted =
          "a migration journal that cannot be read (" + journal.error().message + ")";
    } else if (*journal) {
      report.interrupted = "V" + set.version_name((*journal)->version) + " " + (*journal)->name +
                           ((*journal)->direction == migrate::Direction::down ? " (down)" : "");
    }
    report.running_step.clear();
  }
  return report;
}

// "new" for a repeatable step that never ran, "changed" for one edited since its latest run.
std::string_view repeatable_state(const StatusReport& r, const migrate::MigrationStep& step) {
  return r.ran_repeatables.count(step.name) != 0 ? "changed" : "new";
}

void print_text(std::ostream& out, const StatusReport& r) {
  if (!r.interrupted.empty()) {
    out << "an interrupted run of " << r.interrupted
        << " awaits recovery: the next 'migrate' (or any writer, such as the proxy) recovers it "
           "before doing anything else\n";
  }
  if (!r.writer.empty()) {
    // The holder is a migrator (a journal names its step) or a long-lived writer (the proxy).
    if (!r.running_step.empty()) {
      out << "a migration is running: " << r.writer << ", applying " << r.running_step
          << "; what follows may change when it finishes\n";
    } else {
      out << "the database is open for writing by " << r.writer << "\n";
    }
  }
  out << r.database << ": at version " << r.version_shown << " of " << r.latest_shown << ", ";
  if (r.version > r.latest) {
    out << "newer than the migrations know\n";
  } else if (!r.skipped.empty()) {
    out << r.skipped.size() << (r.skipped.size() == 1 ? " step" : " steps")
        << " below it not applied (see skipped)\n";
  } else if (r.pending.empty() && r.pending_repeatables.empty()) {
    out << "up to date\n";
  } else if (r.pending.empty()) {
    out << r.pending_repeatables.size()
        << (r.pending_repeatables.size() == 1 ? " repeatable step" : " repeatable steps")
        << " pending\n";
  } else {
    out << r.pending.size() << (r.pending.size() == 1 ? " step" : " steps") << " pending";
    if (!r.pending_repeatables.empty()) {
      out << ", then " << r.pending_repeatables.size() << " repeatable";
    }
    out << '\n';
  }
  out << "database: " << r.database << '\n';
  out << "migrations: " << r.source << '\n';
  if (!r.layout.empty()) out << "layout: " << r.layout << '\n';
  out << "version: " << r.version_shown << '\n';
  out << "latest: " << r.latest_shown << '\n';
  out << "pending: ";
  if (r.pending.empty()) out << "none";
  for (std::size_t i = 0; i < r.pending.size(); ++i) {
    out << (i > 0 ? ", " : "") << r.pending[i]->label();
  }
  out << '\n';
  if (!r.pending_repeatables.empty()) {
    out << "repeatables pending:";
    for (std::size_t i = 0; i < r.pending_repeatables.size(); ++i) {
      const migrate::MigrationStep& step = *r.pending_repeatables[i];
      out << (i > 0 ? ", " : " ") << step.label() << " (" << repeatable_state(r, step) << ')';
    }
    out << '\n';
  }
  if (r.mismatches.empty()) {
    out << "checksums: ok\n";
  } else {
    out << "checksums: " << r.mismatches.size() << " applied step(s) changed\n";
    for (const auto& m : r.mismatches) out << "  " << m.describe() << '\n';
  }
  if (!r.skipped.empty()) {
    out << "skipped: " << r.skipped.size() << " step(s) below the current version\n";
    for (const auto* step : r.skipped) {
      out << "  " << migrate::describe_skipped(*step, r.version_shown) << '\n';
    }
  }
  if (!r.foreign.empty()) {
    out << "history: " << r.foreign
        << (r.foreign_dirty.empty() ? "; the next migrate takes it over" : "") << '\n';
    if (!r.foreign_dirty.empty()) out << "dirty: " << r.foreign_dirty << '\n';
  }
  out << "writer lock: " << (r.writer.empty() ? "free" : "held by " + r.writer) << '\n';
}

void print_json_report(std::ostream& out, const StatusReport& r) {
  boost::json::object o;
  o["database"] = r.database;
  o["migrations"] = r.source;
  o["layout"] = r.layout.empty() ? boost::json::value(nullptr) : boost::json::value(r.layout);
  o["version"] = version_json(r.version, r.version_name);
  o["latest"] = version_json(r.latest, r.latest_name);
  boost::json::array pending;
  for (const auto* step : r.pending) {
    pending.push_back(boost::json::object{
        {"version", version_json(step->version, step->version_name)}, {"name", step->name}});
  }
  o["pending"] = std::move(pending);
  boost::json::array repeatables;
  for (const auto* step : r.pending_repeatables) {
    repeatables.push_back(boost::json::object{{"name", step->name},
                                              {"checksum", step->checksum()},
                                              {"state", std::string(repeatable_state(r, *step))}});
  }
  o["pending_repeatables"] = std::move(repeatables);
  o["up_to_date"] = r.pending.empty() && r.skipped.empty() && r.pending_repeatables.empty();
  boost::json::array mismatches;
  for (const auto& m : r.mismatches) mismatches.push_back(mismatch_json(m));
  o["checksum_mismatches"] = std::move(mismatches);
  boost::json::array skipped;
  for (const auto* step : r.skipped) {
    skipped.push_back(boost::json::object{
        {"version", version_json(step->version, step->version_name)}, {"name", step->name}});
  }
  o["skipped"] = std::move(skipped);
  o["writer"] = r.writer.empty() ? boost::json::value(nullptr) : boost::json::value(r.writer);
  o["running_step"] =
      r.running_step.empty() ? boost::json::value(nullptr) : boost::json::value(r.running_step);
  o["foreign_history"] =
      r.foreign.empty() ? boost::json::value(nullptr) : boost::json::value(r.foreign);
  o["foreign_dirty"] =
      r.foreign_dirty.empty() ? boost::json::value(nullptr) : boost::json::value(r.foreign_dirty);
  o["interrupted"] =
      r.interrupted.empty() ? boost::json::value(nullptr) : boost::json::value(r.interrupted);
  print_json(out, o);
}

}  // namespace

CliResult<ExitCode> run_status(Context& ctx, const StatusArgs& args) {
  SAFEMIG_TRY(auto set, ctx.migrations());
  SAFEMIG_TRY(StatusReport report, collect(ctx, set));
  report.database = ctx.db_path;
  report.source = set.source();
  report.layout = set.layout();
  if (args.json) {
    print_json_report(ctx.console.out(), report);
  } else {
    print_text(ctx.console.out(), report);
  }
  return ExitCode::ok;
}

}  // namespace safemig::cli
