// A small parent/child schema history (v1 tables with an ON DELETE CASCADE child, v2 ADD
// COLUMN, v3 table rebuild) and broken variants of it, for the SafeMigrationManager tests.
#pragma once

#include "safemig/db/connection.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate::test_steps {

enum class Variant {
  correct,
  wrong_expected_schema,     // v3 declares a column it does not create.
  loses_rows,                // v3 copies all parents but one.
  orphans_children,          // v3 renumbers parents, orphaning children.
  failing_verify,            // v3's verify query returns false.
  non_transactional_fails,   // v3 runs outside a transaction and fails halfway.
  edited_v2,                 // v2's SQL differs from what was applied.
  slow_v1,                   // v1 takes a while (to overlap two migrators).
  dies_in_transaction,       // v3 kills the process in the middle of its transaction.
  dies_outside_transaction,  // v3 runs outside a transaction and kills the process halfway.
};

inline constexpr int kDeathExitCode = 42;

Result<MigrationSet> parent_child_set(Variant variant = Variant::correct);

// Inserts `parents` parents and `children_per_parent` children for every parent but the first.
Result<void> populate(db::Connection& conn, int parents, int children_per_parent);

}  // namespace safemig::migrate::test_steps
