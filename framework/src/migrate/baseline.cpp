#include "safemig/migrate/baseline.h"

#include <utility>
#include <variant>

#include "safemig/db/sqlite_connection.h"
#include "safemig/db/transaction.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/introspect.h"

namespace safemig::migrate {
namespace {

Result<void> run_body(db::Connection& scratch, const StepBody& body) {
  if (const auto* sql = std::get_if<std::string>(&body)) return scratch.execute_script(*sql);
  return std::get<StepCallable>(body)(scratch);
}

// `versions` as `shown` names them, comma-separated.
template <typename Shown>
std::string versions_text(const std::vector<Version>& versions, const Shown& shown) {
  std::string out;
  for (Version v : versions) {
    if (!out.empty()) out += ", ";
    out += shown(v);
  }
  return out;
}

// What the schemas are compared without: the tables of other tools' history that `conn` has.
Result<std::vector<std::string>> ignored_tables(db::Connection& conn,
                                                const ForeignHistoryTables& tables) {
  SAFEMIG_TRY(auto found, find_foreign_history_tables(conn, tables));
  std::vector<std::string> names;
  names.reserve(found.size());
  for (const ForeignHistoryTable& t : found) names.push_back(t.table);
  return names;
}

// Checks and records `versions` of `set` in one transaction on `conn`. `expected` is the schema
// those versions produce, or nullopt to skip the comparison; `what` names the comparison in the
// mismatch message ("the schema of <source> at version 3").
Result<BaselineReport> record(db::Connection& conn, const MigrationSet& set,
                              const std::vector<Version>& versions,
                              const std::optional<schema::Schema>& expected,
                              const std::string& what, const BaselineOptions& options) {
  BaselineReport report;
  SAFEMIG_TRY(auto tx, db::Transaction::begin(conn, db::TransactionMode::immediate));
  SAFEMIG_TRY(auto existing, read_history(conn));
  if (!existing.empty()) {
    return fail(ErrorCode::failed_precondition,
                "the database already has safemig's history (" + std::to_string(existing.size()) +
                    " rows in " + std::string(kHistoryTable) +
                    "): it is adopted already; use status and migrate instead. Nothing was "
                    "recorded");
  }
  SAFEMIG_TRY(report.ignored_tables, ignored_tables(conn, options.foreign_tables));
  if (expected) {
    SAFEMIG_TRY(schema::Schema live, schema::read_schema(conn));
    schema::Schema wanted = *expected;
    for (const std::string& table : report.ignored_tables) {
      live.tables.erase(table);
      wanted.tables.erase(table);
    }
    const schema::SchemaDiff diff = schema::diff_schemas(wanted, live);
    if (!diff.empty()) {
      return fail(ErrorCode::schema_mismatch,
                  "the database's schema differs from " + what +
                      " (expected: the steps' schema; found: the database's):\n" +
                      diff.to_string() +
                      "\nNothing was recorded: adopt the database at the version whose schema it "
                      "has, or change the schema to match first");
    }
  }
  if (!versions.empty()) SAFEMIG_TRY_VOID(ensure_history_table(conn));
  for (Version version : versions) {
    const MigrationStep* step = set.find(version);
    HistoryEntry entry;
    entry.version = step->version;
    entry.version_name = step->version_name;
    entry.name = step->name;
    entry.checksum = step->checksum();
    entry.direction = Direction::up;
    entry.applied_at = utc_timestamp_now();
    entry.duration_ms = 0;
    entry.backup_path = options.backup_marker;
    SAFEMIG_TRY(entry.id, append_history(conn, entry).map_error([&](const Error& e) {
      return e.with_step(step->label());
    }));
    report.recorded.push_back(std::move(entry));
  }
  SAFEMIG_TRY_VOID(tx.commit());
  if (!versions.empty()) report.version = versions.back();
  return report;
}

}  // namespace

Result<schema::Schema> scratch_schema(const MigrationSet& set,
                                      const std::vector<Version>& versions) {
  db::SqliteOptions scratch_options;
  scratch_options.wal = false;
  scratch_options.foreign_keys = false;
  scratch_options.synchronous = db::Synchronous::off;
  SAFEMIG_TRY(auto scratch, db::open_sqlite(":memory:", scratch_options));
  for (Version version : versions) {
    const MigrationStep* step = set.find(version);
    if (step == nullptr) {
      return fail(ErrorCode::not_found, "version " + std::to_string(version) +
                                            " is not a step of " + set.source() +
                                            "; check the version");
    }
    SAFEMIG_TRY_VOID(run_body(*scratch, step->up).map_error([&](const Error& e) {
      return e
          .with_prefix(step->label() +
                       " failed on an empty scratch database, run to learn the schema the steps "
                       "produce (fix the step; nothing was recorded)")
          .with_step(step->label());
    }));
  }
  return schema::read_schema(*scratch);
}

Result<BaselineReport> baseline(db::Connection& conn, const MigrationSet& set, Version version,
                                const BaselineOptions& options) {
  if (conn.dialect() != db::Dialect::sqlite) {
    return fail(ErrorCode::invalid_input,
                "baseline is implemented for SQLite only; this connection is PostgreSQL");
  }
  if (set.find(version) == nullptr) {
    return fail(ErrorCode::invalid_input,
                "version " + std::to_string(version) + " is not a step of " + set.source() +
                    " (latest: " + set.version_name(set.latest_version()) +
                    "); baseline at the version of an existing step");
  }
  std::vector<Version> versions;
  for (const MigrationStep& step : set.steps()) {
    if (step.version <= version) versions.push_back(step.version);
  }
  SAFEMIG_TRY(schema::Schema expected, scratch_schema(set, versions));
  return record(conn, set, versions, expected,
                "the schema of " + set.source() + " at version " + set.version_name(version),
                options);
}

Result<BaselineReport> take_over(db::Connection& conn, const MigrationSet& set,
                                 const ForeignHistory& history, const TakeOverOptions& options) {
  if (history.dirty) return fail(ErrorCode::failed_precondition, history.dirty_message());
  const std::vector<Version> missing = missing_versions(history, set);
  if (!missing.empty()) {
    return fail(ErrorCode::failed_precondition,
                std::string(to_string(history.tool)) + " records version" +
                    (missing.size() == 1 ? " " : "s ") +
                    versions_text(missing, [&](Version v) { return history.shown_version(v); }) +
                    " as applied, but " + set.source() + " has no step for " +
                    (missing.size() == 1 ? "it" : "them") +
                    ": add the missing migration files (or, if they were removed on purpose, "
                    "their rows from " +
                    history.table + ") and try again. Nothing was recorded");
  }
  const std::vector<Version> versions = applied_versions(history, set);
  std::optional<schema::Schema> expected;
  if (options.check_schema && history.applied_up_to &&
      set.find(*history.applied_up_to) == nullptr) {
    return fail(ErrorCode::failed_precondition,
                std::string(to_string(history.tool)) + " marks every version up to " +
                    history.shown_version(*history.applied_up_to) +
                    " as applied (a baseline), but " + set.source() +
                    " has no step of that version, so the schema at it cannot be rebuilt to "
                    "compare with the database: check the schema by hand, then take the "
                    "database over without the schema comparison. Nothing was recorded");
  }
  if (options.check_schema) {
    SAFEMIG_TRY(expected, scratch_schema(set, versions));
  }
  return record(
      conn, set, versions, expected,
      "the schema of " + set.source() + " with the steps " + std::string(to_string(history.tool)) +
          " applied (" +
          (versions.empty()
               ? std::string("none")
               : versions_text(versions, [&](Version v) { return set.version_name(v); })) +
          ")",
      options);
}

}  // namespace safemig::migrate
