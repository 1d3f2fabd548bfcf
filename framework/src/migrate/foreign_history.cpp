#include "safemig/migrate/foreign_history.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "safemig/migrate/step.h"

namespace safemig::migrate {
namespace {

// The exact columns each tool creates (lower case, in the tool's order), from its source:
// Diesel diesel_migrations setup_migration_table.sql; golang-migrate database/sqlite3
// ensureVersionTable; goose dialectquery Sqlite3.CreateTable; dbmate driver/sqlite
// CreateMigrationsTable; Flyway database/sqlite createMetaDataTable.sql.
struct Shape {
  ForeignTool tool;
  std::vector<std::string> columns;
};

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> kShapes = {
      {ForeignTool::diesel, {"version", "run_on"}},
      {ForeignTool::golang_migrate, {"version", "dirty"}},
      {ForeignTool::goose, {"id", "version_id", "is_applied", "tstamp"}},
      {ForeignTool::dbmate, {"version"}},
      {ForeignTool::flyway,
       {"installed_rank", "version", "description", "type", "script", "checksum", "installed_by",
        "installed_on", "execution_time", "success"}},
  };
  return kShapes;
}

const std::string& configured_name(const ForeignHistoryTables& tables, ForeignTool tool) {
  switch (tool) {
    case ForeignTool::golang_migrate:
      return tables.golang_migrate;
    case ForeignTool::goose:
      return tables.goose;
    case ForeignTool::dbmate:
      return tables.dbmate;
    case ForeignTool::flyway:
      return tables.flyway;
    case ForeignTool::diesel:
      break;
  }
  return tables.diesel;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct TableColumns {
  std::vector<std::string> names;  // Lower case.
  std::string shown;               // "(version INTEGER, name TEXT)" for messages.
};

Result<TableColumns> columns_of(db::Connection& conn, const std::string& table) {
  SAFEMIG_TRY(auto rows, conn.query("SELECT name, type FROM pragma_table_info(?)", {table}));
  TableColumns columns;
  columns.shown = "(";
  for (const db::Row& row : rows) {
    columns.names.push_back(lower(row.text(0)));
    if (columns.shown.size() > 1) columns.shown += ", ";
    columns.shown += row.text(0);
    if (!row.text(1).empty()) columns.shown += " " + row.text(1);
  }
  columns.shown += ")";
  return columns;
}

Result<bool> table_exists(db::Connection& conn, const std::string& table) {
  SAFEMIG_TRY(std::int64_t count,
              conn.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
                             {table}));
  return count > 0;
}

Result<void> require_sqlite(db::Connection& conn) {
  if (conn.dialect() == db::Dialect::sqlite) return {};
  return fail(ErrorCode::invalid_input,
              "reading another tool's history table is implemented for SQLite only; this "
              "connection is PostgreSQL: adopt the database with baseline instead");
}

// What a table with one of the names but none of the shapes looks like, for the error.
struct Unrecognised {
  std::string table;
  std::string columns;
  std::vector<ForeignTool> tools;  // The tools that use this name.
};

struct Detection {
  std::vector<ForeignHistoryTable> found;
  std::vector<Unrecognised> unrecognised;
};

Result<Detection> detect(db::Connection& conn, const ForeignHistoryTables& tables) {
  SAFEMIG_TRY_VOID(require_sqlite(conn));
  Detection detection;
  std::set<std::string> seen;
  for (const Shape& shape : shapes()) {
    const std::string& name = configured_name(tables, shape.tool);
    if (name.empty() || !seen.insert(name).second) continue;
    SAFEMIG_TRY(bool exists, table_exists(conn, name));
    if (!exists) continue;
    SAFEMIG_TRY(TableColumns columns, columns_of(conn, name));
    Unrecognised unknown{name, columns.shown, {}};
    bool matched = false;
    for (const Shape& candidate : shapes()) {
      if (configured_name(tables, candidate.tool) != name) continue;
      if (candidate.columns == columns.names) {
        detection.found.push_back({candidate.tool, name});
        matched = true;
        break;
      }
      unknown.tools.push_back(candidate.tool);
    }
    if (!matched) detection.unrecognised.push_back(std::move(unknown));
  }
  return detection;
}

std::string column_list(const std::vector<std::string>& columns) {
  std::string out = "(";
  for (const std::string& c : columns) {
    if (out.size() > 1) out += ", ";
    out += c;
  }
  return out + ")";
}

Error unrecognised_error(const Unrecognised& unknown) {
  std::string expected;
  for (ForeignTool tool : unknown.tools) {
    for (const Shape& shape : shapes()) {
      if (shape.tool != tool) continue;
      if (!expected.empty()) expected += " or ";
      expected += std::string(to_string(tool)) + "'s " + column_list(shape.columns);
    }
  }
  return Error(ErrorCode::invalid_input,
               "table " + unknown.table + " has the columns " + unknown.columns +
                   ", not the history table of " + expected +
                   ", so safemig cannot tell which migrations it records; if a migration tool "
                   "keeps its history there, check which version the schema is at and adopt the "
                   "database with baseline at that version; if it is the application's own "
                   "table, look for the tool's history under another table name");
}

// A version as a tool stored it: an integer, or text of decimal digits (leading zeros allowed,
// as Diesel's "00000000000000").
Result<Version> parse_version(const db::Value& value, const std::string& where) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    if (*i >= 0) return *i;
    return fail(ErrorCode::corrupt, where + " holds the negative version " + std::to_string(*i) +
                                        ", which the tool never writes; check the table by hand");
  }
  if (const auto* d = std::get_if<double>(&value)) {
    if (*d >= 0 && *d < 9.2e18 && std::floor(*d) == *d) return static_cast<Version>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    const bool digits = !s->empty() && std::all_of(s->begin(), s->end(), [](unsigned char c) {
      return std::isdigit(c) != 0;
    });
    Version v = 0;
    if (digits) {
      const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
      if (ec == std::errc() && end == s->data() + s->size()) return v;
    }
    return fail(ErrorCode::invalid_input,
                where + " holds the version '" + *s +
                    "', which is not a whole number that fits in 64 bits; safemig's versions are "
                    "64-bit integers, so this history cannot be taken over: adopt the database "
                    "with baseline at the version its schema is at");
  }
  if (std::holds_alternative<db::Null>(value)) {
    return fail(ErrorCode::corrupt,
                where +
                    " holds a NULL version, which the tool never writes; check the table by "
                    "hand");
  }
  return fail(ErrorCode::corrupt, where + " holds a version that is neither a number nor text (" +
                                      db::to_sql_literal(value) + "); check the table by hand");
}

// A boolean as the Go and Java SQLite drivers store it: 1/0, or 'true'/'false' when written by
// hand.
Result<bool> parse_flag(const db::Value& value, const std::string& where) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    if (*i == 0 || *i == 1) return *i == 1;
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    const std::string t = lower(*s);
    if (t == "1" || t == "true" || t == "t") return true;
    if (t == "0" || t == "false" || t == "f") return false;
  }
  return fail(ErrorCode::corrupt, where + " holds " + db::to_sql_literal(value) +
                                      " where the tool writes true or false; check the table by "
                                      "hand");
}

std::vector<Version> sorted(std::set<Version> versions) {
  return {versions.begin(), versions.end()};
}

// Diesel's version, VARCHAR(50): the text Diesel compares, kept as its text_order_key.
Result<Version> parse_diesel_version(const db::Value& value, const std::string& where,
                                     std::map<Version, std::string>& names) {
  std::string text;
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    text = std::to_string(*i);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    text = *s;
  } else {
    return parse_version(value, where);  // Names what is wrong with it.
  }
  const std::optional<Version> key = text_order_key(text);
  if (!key) {
    return fail(ErrorCode::invalid_input,
                where + " holds the version '" + text + "', which is not 1 to " +
                    std::to_string(kTextVersionDigits) +
                    " digits as safemig keeps Diesel versions, so this history cannot be taken "
                    "over: adopt the database with baseline at the version its schema is at");
  }
  names[*key] = text;
  return *key;
}

Result<ForeignHistory> read_version_rows(db::Connection& conn, ForeignTool tool,
                                         const std::string& table) {
  ForeignHistory history{tool, table, {}, std::nullopt, false, std::nullopt, "", {}};
  SAFEMIG_TRY(auto rows, conn.query("SELECT version FROM " + db::quote_identifier(table)));
  std::set<Version> applied;
  const std::string where = std::string(to_string(tool)) + "'s " + table;
  for (const db::Row& row : rows) {
    SAFEMIG_TRY(Version v, tool == ForeignTool::diesel
                               ? parse_diesel_version(row.at(0), where, history.version_names)
                               : parse_version(row.at(0), where));
    applied.insert(v);
  }
  history.applied = sorted(std::move(applied));
  return history;
}

Result<ForeignHistory> read_golang_migrate(db::Connection& conn, const std::string& table) {
  ForeignHistory history{
      ForeignTool::golang_migrate, table, {}, std::nullopt, false, std::nullopt, {}, {}};
  SAFEMIG_TRY(auto rows,
              conn.query("SELECT version, dirty FROM " + db::quote_identifier(table) + " LIMIT 2"));
  if (rows.empty()) return history;
  const std::string where = "golang-migrate's " + table;
  if (rows.size() > 1) {
    return fail(ErrorCode::corrupt,
                where +
                    " holds more than one row; golang-migrate keeps exactly one (the current "
                    "version), so the database's version is unknown: check the schema, keep "
                    "the one row that matches it (or run golang-migrate's force), and try "
                    "again");
  }
  const db::Row& row = rows.front();
  SAFEMIG_TRY(bool dirty, parse_flag(row.at(1), where + " (column dirty)"));
  // golang-migrate's NilVersion (-1) is written only together with dirty = true: a failed down
  // of the first migration.
  const auto* raw = std::get_if<std::int64_t>(&row.at(0));
  if (raw != nullptr && *raw == -1) {
    if (dirty) {
      history.dirty = true;
      history.dirty_detail = table + ": version -1 (none), dirty = true";
    }
    return history;
  }
  SAFEMIG_TRY(Version version, parse_version(row.at(0), where));
  if (dirty) {
    history.dirty = true;
    history.dirty_version = version;
    history.dirty_detail = table + ": version " + std::to_string(version) + ", dirty = true";
  } else {
    history.applied_up_to = version;
  }
  return history;
}

Result<ForeignHistory> read_goose(db::Connection& conn, const std::string& table) {
  ForeignHistory history{ForeignTool::goose, table, {}, std::nullopt, false, std::nullopt, {}, {}};
  SAFEMIG_TRY(auto rows, conn.query("SELECT version_id, is_applied FROM " +
                                    db::quote_identifier(table) + " ORDER BY id"));
  const std::string where = "goose's " + table;
  std::map<Version, bool> latest;
  for (const db::Row& row : rows) {
    SAFEMIG_TRY(Version v, parse_version(row.at(0), where));
    SAFEMIG_TRY(bool is_applied, parse_flag(row.at(1), where + " (column is_applied)"));
    latest[v] = is_applied;
  }
  std::set<Version> applied;
  for (const auto& [version, is_applied] : latest) {
    // Version 0 is the row goose writes when it creates the table; goose numbers from 1.
    if (version != 0 && is_applied) applied.insert(version);
  }
  history.applied = sorted(std::move(applied));
  return history;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<ForeignHistory> read_flyway(db::Connection& conn, const std::string& table) {
  ForeignHistory history{ForeignTool::flyway, table, {}, std::nullopt, false, std::nullopt, {}, {}};
  SAFEMIG_TRY(auto rows, conn.query("SELECT installed_rank, version, type, script, success FROM " +
                                    db::quote_identifier(table) + " ORDER BY installed_rank"));
  const std::string where = "Flyway's " + table;
  std::set<Version> applied;
  for (const db::Row& row : rows) {
    const std::string type = row.text(2);
    if (type == "SCHEMA") continue;  // Flyway's marker for schemas it created.
    SAFEMIG_TRY(bool success, parse_flag(row.at(4), where + " (column success)"));
    if (!success) {
      history.dirty = true;
      history.dirty_version.reset();
      if (!row.is_null(1)) {
        auto failed = parse_version(row.at(1), where);
        if (failed) history.dirty_version = *failed;
      }
      history.dirty_detail = table + ": installed_rank " + row.text(0) + ", version " +
                             (row.is_null(1) ? std::string("(repeatable)") : row.text(1)) +
                             ", script " + row.text(3) + ", success = false";
      continue;
    }
    if (row.is_null(1)) continue;  // A repeatable migration: not a versioned step.
    SAFEMIG_TRY(Version version, parse_version(row.at(1), where));
    if (type == "DELETE" || type.rfind("UNDO_", 0) == 0) {
      applied.erase(version);
    } else if (type == "BASELINE" || ends_with(type, "_BASELINE")) {
      history.applied_up_to = version;
    } else {
      applied.insert(version);
    }
  }
  history.applied = sorted(std::move(applied));
  return history;
}

std::string version_list(const std::vector<Version>& versions, const ForeignHistory& history) {
  const auto shown = [&](Version v) { return history.shown_version(v); };
  std::string out;
  if (versions.size() <= 10) {
    for (Version v : versions) out += (out.empty() ? "" : ", ") + shown(v);
    return out;
  }
  return std::to_string(versions.size()) + " versions from " + shown(versions.front()) + " to " +
         shown(versions.back());
}

}  // namespace

std::string_view to_string(ForeignTool tool) {
  switch (tool) {
    case ForeignTool::golang_migrate:
      return "golang-migrate";
    case ForeignTool::goose:
      return "goose";
    case ForeignTool::dbmate:
      return "dbmate";
    case ForeignTool::flyway:
      return "Flyway";
    case ForeignTool::diesel:
      break;
  }
  return "Diesel";
}

Result<std::vector<ForeignHistoryTable>> find_foreign_history_tables(
    db::Connection& conn, const ForeignHistoryTables& tables) {
  SAFEMIG_TRY(Detection detection, detect(conn, tables));
  return detection.found;
}

Result<std::optional<ForeignHistory>> read_foreign_history(db::Connection& conn,
                                                           const ForeignHistoryTables& tables) {
  SAFEMIG_TRY(Detection detection, detect(conn, tables));
  if (!detection.unrecognised.empty()) return fail(unrecognised_error(detection.unrecognised[0]));
  if (detection.found.empty()) return std::optional<ForeignHistory>();
  if (detection.found.size() > 1) {
    std::string names;
    for (const ForeignHistoryTable& t : detection.found) {
      if (!names.empty()) names += " and ";
      names += std::string(to_string(t.tool)) + " (" + t.table + ")";
    }
    return fail(ErrorCode::failed_precondition,
                "the database holds the history tables of " + names +
                    "; safemig takes over from one tool only: check which one matches the schema, "
                    "drop the other (after a backup), and try again");
  }
  const ForeignHistoryTable& found = detection.found.front();
  Result<ForeignHistory> history = [&]() -> Result<ForeignHistory> {
    switch (found.tool) {
      case ForeignTool::golang_migrate:
        return read_golang_migrate(conn, found.table);
      case ForeignTool::goose:
        return read_goose(conn, found.table);
      case ForeignTool::flyway:
        return read_flyway(conn, found.table);
      case ForeignTool::diesel:
      case ForeignTool::dbmate:
        break;
    }
    return read_version_rows(conn, found.tool, found.table);
  }();
  if (!history) return fail(history.error());
  return std::optional<ForeignHistory>(std::move(*history));
}

std::string ForeignHistory::shown_version(Version version) const {
  const auto name = version_names.find(version);
  return name != version_names.end() ? name->second : std::to_string(version);
}

std::string ForeignHistory::describe() const {
  std::string out = std::string(to_string(tool)) + " (table " + table + "): ";
  std::string what;
  if (applied_up_to) {
    what = "every version up to " + std::to_string(*applied_up_to);
  }
  if (!applied.empty()) {
    if (!what.empty()) what += ", and ";
    what += (applied.size() == 1 ? "version " : "versions ") + version_list(applied, *this);
  }
  if (what.empty()) what = "no version applied";
  out += what;
  if (dirty) out += "; dirty: " + dirty_detail;
  return out;
}

std::string ForeignHistory::dirty_message() const {
  if (!dirty) return "";
  const std::string version =
      dirty_version ? "version " + std::to_string(*dirty_version) : std::string("a migration");
  std::string repair;
  switch (tool) {
    case ForeignTool::golang_migrate:
      repair =
          "then record the version the schema is really at as golang-migrate does (`migrate "
          "force " +
          (dirty_version ? std::to_string(*dirty_version) : std::string("<version>")) +
          "` when the failed migration's changes are complete, `migrate force <the version "
          "before it>` when they were undone)";
      break;
    case ForeignTool::flyway:
      repair = "then remove the failed row with `flyway repair`";
      break;
    case ForeignTool::diesel:
    case ForeignTool::goose:
    case ForeignTool::dbmate:
      repair = "then correct the tool's history table";
      break;
  }
  return std::string(to_string(tool)) + " recorded a failed run of " + version + " (" +
         dirty_detail +
         "): the schema may be partly changed, so safemig will not migrate or take the database "
         "over. Check the schema by hand and finish or undo that migration's changes, " +
         repair + " — or restore a backup taken before the failed run — and try again";
}

std::vector<Version> applied_versions(const ForeignHistory& history, const MigrationSet& set) {
  std::set<Version> versions(history.applied.begin(), history.applied.end());
  if (history.applied_up_to) {
    for (const MigrationStep& step : set.steps()) {
      if (step.version <= *history.applied_up_to) versions.insert(step.version);
    }
  }
  return sorted(std::move(versions));
}

std::vector<Version> missing_versions(const ForeignHistory& history, const MigrationSet& set) {
  std::set<Version> missing;
  for (Version v : history.applied) {
    if (set.find(v) == nullptr) missing.insert(v);
  }
  if (history.tool == ForeignTool::golang_migrate && history.applied_up_to &&
      set.find(*history.applied_up_to) == nullptr) {
    missing.insert(*history.applied_up_to);
  }
  return sorted(std::move(missing));
}

}  // namespace safemig::migrate
