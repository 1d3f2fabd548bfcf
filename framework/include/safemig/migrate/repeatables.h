// The runs of repeatable steps (MigrationStep::repeatable), in the table `_safemig_repeatables`.
//
// The table is an append-only log, one row per run; the latest row of a name holds the checksum
// that is applied. It is kept apart from `_safemig_history`, whose versions are never NULL, and
// is created inside the transaction of the first repeatable run, so a failed first run leaves
// no trace. As in Flyway, a repeatable step is pending when it never ran or its checksum differs
// from the latest one recorded for its name; pending ones run after the versioned steps, in the
// set's order.
//
// Thread safety: functions use the given connection only, or are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate {

inline constexpr std::string_view kRepeatablesTable = "_safemig_repeatables";

struct RepeatableRun {
  std::int64_t id = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // ISO-8601 UTC, as HistoryEntry::applied_at.
  std::int64_t duration_ms = 0;
  std::string backup_path;  // The file backup taken before the run; empty when none was.
};

// Creates the table if it does not exist (call inside the run's transaction).
Result<void> ensure_repeatables_table(db::Connection& conn);
// All runs, oldest first; empty when the table does not exist.
Result<std::vector<RepeatableRun>> read_repeatable_runs(db::Connection& conn);
// Appends a run; returns its id.
Result<std::int64_t> append_repeatable_run(db::Connection& conn, const RepeatableRun& run);

// The repeatable steps of `set` that never ran or whose checksum differs from their latest run,
// in the set's order.
std::vector<const MigrationStep*> pending_repeatables(const MigrationSet& set,
                                                      const std::vector<RepeatableRun>& runs);

}  // namespace safemig::migrate
