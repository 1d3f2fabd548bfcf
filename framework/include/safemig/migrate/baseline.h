// Adopting a database that safemig did not migrate: record steps as applied without running them,
// after proving that the database's schema is the one those steps produce.
//
// baseline() adopts a database with no history at all (created by hand, by the application, or
// by a tool whose history is not wanted); take_over() adopts one that another tool migrated,
// from that tool's history (foreign_history.h). Both:
//   1. run the steps to be recorded, in order, on an empty in-memory SQLite database (SQL bodies
//      with execute_script, callables called; no transaction, no backup, foreign keys off, as
//      the schema is all that is kept);
//   2. read the live schema and the scratch schema (schema::read_schema) and compare them
//      (schema::diff_schemas), leaving out safemig's own tables and the other tools' history
//      tables (find_foreign_history_tables);
//   3. record each step as applied in _safemig_history (direction up, the step's checksum(),
//      duration 0, backup path BaselineOptions::backup_marker) — all rows in one transaction,
//      in which the history is first checked to be empty and the live schema is read.
// Nothing is written when any check fails. The other tool's history table is left as it is.
//
// Thread safety: functions use the given connection only; call them under the writer lock (the
// caller holds it, as for migrate), outside any transaction of the caller's.
#pragma once

#include <string>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/foreign_history.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/step.h"
#include "safemig/migrate/version.h"
#include "safemig/schema/schema.h"

namespace safemig::migrate {

struct BaselineOptions {
  // Stored as each recorded row's backup path. No backup is taken, so the default is empty; a
  // note in parentheses such as "(baseline)" (history.h, is_backup_note) shows in `history` how
  // the rows came to be.
  std::string backup_marker;
  // Where the other tools' history tables are looked for (left out of the comparison).
  ForeignHistoryTables foreign_tables;
};

struct TakeOverOptions : BaselineOptions {
  // Compare the live schema with the schema the recorded steps produce, as baseline() does.
  // Turn it off only when the steps cannot reproduce the schema: a Flyway baseline whose
  // earlier history is not in the set.
  bool check_schema = true;
};

struct BaselineReport {
  // The highest version recorded; kNoVersion when nothing was (a foreign history with no
  // version applied).
  Version version = kNoVersion;
  // The rows appended to _safemig_history, ascending by version, with their ids.
  std::vector<HistoryEntry> recorded;
  // Other tools' history tables that were left out of the comparison.
  std::vector<std::string> ignored_tables;
};

// The schema that running `versions` (ascending, each a step of `set`) produces on an empty
// database: step 1 above.
// Errors: not_found naming a version that is not a step of `set`; a failing step's error, its
// message prefixed with the step and its `step` set.
Result<schema::Schema> scratch_schema(const MigrationSet& set,
                                      const std::vector<Version>& versions);

// Records every step of `set` up to and including `version` as applied, once the database's
// schema (without safemig's and other tools' history tables) equals the one those steps produce.
// Errors: invalid_input when `version` is not a step of `set` (the message lists where the
// steps are) or the connection is not SQLite; failed_precondition when _safemig_history already
// has rows; schema_mismatch, with the differences one per line, when the schemas differ; a
// failing step's error (see scratch_schema); the connection's error. On any error nothing is
// written.
Result<BaselineReport> baseline(db::Connection& conn, const MigrationSet& set, Version version,
                                const BaselineOptions& options = {});

// Records the steps `history` says are applied (applied_versions()) in _safemig_history, so that
// safemig carries on where the other tool stopped. With check_schema, the live schema must equal
// the one those steps produce, as for baseline.
// Errors: failed_precondition when `history` is dirty (the message is dirty_message()), when it
// records versions `set` has no step for (missing_versions(); the message names them), when
// check_schema is on and `applied_up_to` is a version `set` has no step for (a Flyway baseline:
// the schema at it cannot be rebuilt), or when _safemig_history already has rows; schema_mismatch
// as baseline; a failing step's error; the connection's error. On any error nothing is written.
Result<BaselineReport> take_over(db::Connection& conn, const MigrationSet& set,
                                 const ForeignHistory& history,
                                 const TakeOverOptions& options = {});

}  // namespace safemig::migrate
