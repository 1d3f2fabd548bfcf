// MigrationStep: one versioned change of a database schema, and what makes it safe to run.
//
// Thread safety: plain value type; the callables must be safe to call from the migrating thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/version.h"
#include "safemig/schema/schema.h"

namespace safemig::migrate {

// The body of an up or down: SQL text (a script of statements) or a C++ callable that runs on
// the migrating connection inside the step's transaction.
using StepCallable = std::function<Result<void>(db::Connection&)>;
using StepBody = std::variant<std::string, StepCallable>;

// What may happen to the rows of the tables a step touches.
enum class RowPolicy {
  // No row of a touched table is lost: every touched table that exists before the step has at
  // least as many rows after it (inserts are allowed; a lost row fails the step).
  preserve,
  // The step declares that it changes row counts (a data migration, a DROP).
  declared_change,
};

struct MigrationStep {
  Version version = 0;  // Unique within a set, >= 0; kNoVersion if repeatable.
  // The version as the migration tool writes it, when that is text rather than the number
  // (Diesel's "20240313170000", compared as text; `version` is then text_order_key() of it).
  // Empty: the version is shown as its number.
  std::string version_name;
  std::string name;                         // Letters, digits, '_', '-', '.'; see create().
  std::vector<std::string> touched_tables;  // Tables `up` changes: backed up and loss-checked.
  StepBody up;
  std::optional<StepBody> down;  // Absent: the step cannot be downgraded.
  // Tables `down` changes, read from the down script itself (never the up script's list).
  std::vector<std::string> down_touched_tables;
  bool transactional = true;     // false: runs outside a transaction; a failure is
                                 // repaired from the file backup.
  bool rebuilds_tables = false;  // Table rebuild: foreign_keys OFF around the transaction
                                 // and foreign_key_check before commit.
  RowPolicy row_policy = RowPolicy::preserve;       // Of `up`.
  RowPolicy down_row_policy = RowPolicy::preserve;  // Of `down`.
  // Queries that must each return a row whose first value is true (non-zero), as Sqitch's
  // verify.
  std::vector<std::string> verify_sql;
  std::optional<schema::Schema> expected_schema;  // Whole schema after the step, if declared.
  // Text whose SHA-256 is the step's checksum. For SQL bodies, the default (empty) means the
  // SQL text of up, down and verify; C++ callables must set a description that changes
  // whenever their behaviour does.
  std::string definition;
  // Checksums earlier releases recorded for this same step (a SQL file step's raw bytes, with
  // its down file): a stored one of these is not a change.
  std::vector<std::string> earlier_checksums;
  // A repeatable step (Flyway's R__<name>.sql): it has no version and no down, and runs again
  // after the versioned steps whenever its checksum differs from the one last recorded for its
  // name (repeatables.h).
  bool repeatable = false;

  // "V3 rebuild_completion_requests"; "R refresh_views" for a repeatable step.
  std::string label() const;
  // version_name, or the version's number.
  std::string shown_version() const;
  // SHA-256 (hex) of the step's definition.
  std::string checksum() const;
  // The SQL of up/down for checksums: the SQL text, or "-- C++ step" for a callable.
  static std::string body_text(const StepBody& body);
  // The SQL of up/down for dry runs: the SQL text, or "-- C++ step: <definition>" for a
  // callable.
  std::string body_description(const StepBody& body) const;
};

// An ordered, validated list of steps: versions strictly increasing, names well formed.
// The checksum of a step whose `definition` is `data` (SHA-256, lower-case hex).
std::string definition_checksum(std::string_view data);

class MigrationSet {
 public:
  // Validates and sorts `steps`: versions >= 0 and unique; names non-empty, at most 200
  // characters of letters, digits, '_', '-' and '.'; callables non-null (an empty SQL body is a
  // step that changes nothing, as every migration tool runs it); a step with a C++ callable must
  // set `definition` (otherwise editing it would go unnoticed). `layout` names where the steps'
  // format comes from ("golang-migrate"), empty for C++ histories. `repeatables` are steps with
  // `repeatable` set, names unique and well formed like versioned ones, no down; they are kept
  // apart from the versioned steps, ordered by name with '_' read as ' ' (Flyway orders them by
  // description, whose words the file name separates with '_').
  // Errors: invalid_input naming the duplicate or bad step.
  static Result<MigrationSet> create(std::vector<MigrationStep> steps, std::string source = "",
                                     std::string layout = "",
                                     std::vector<MigrationStep> repeatables = {});

  // The versioned steps, ascending.
  const std::vector<MigrationStep>& steps() const { return steps_; }
  // The repeatable steps, in the order they run.
  const std::vector<MigrationStep>& repeatables() const { return repeatables_; }
  const MigrationStep* find_repeatable(std::string_view name) const;
  const MigrationStep* find(Version version) const;
  // The highest version, kNoVersion for an empty set.
  Version latest_version() const { return steps_.empty() ? kNoVersion : steps_.back().version; }
  // How `version` is shown: the step's version_name when it has one, else the number ("none"
  // for kNoVersion).
  std::string version_name(Version version) const;
  // The number that names `version` in backup names (kNoVersion: 0): a text version's digits
  // read as a number (so "v20240313170000" names Diesel's 20240313170000), else the version.
  Version number_for_names(Version version) const;
  // The version a user named on the command line: a step's version_name, or a number.
  // Errors: invalid_input when `text` is neither.
  Result<Version> parse_version(std::string_view text) const;
  // Where the steps came from ("built-in application history", a directory path).
  const std::string& source() const { return source_; }
  // The file layout the steps were read in ("Flyway", "Diesel"); empty for C++ histories.
  const std::string& layout() const { return layout_; }
  // Expected schema at `version`: the one declared by the step with exactly that version (a
  // step without an expectation, or a version not in the set, gives nullopt; an earlier step's
  // expectation does not describe a later version); the empty schema for kNoVersion.
  std::optional<schema::Schema> expected_schema_at(Version version) const;

 private:
  std::vector<MigrationStep> steps_;
  std::vector<MigrationStep> repeatables_;
  std::string source_;
  std::string layout_;
};

}  // namespace safemig::migrate
