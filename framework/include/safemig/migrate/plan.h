// The plan of a run and the check of applied steps against their definitions: the one owner of
// "what would migrate or downgrade do, and may it", shared by the manager, the command line and
// the services that check a database at start. Messages name versions and steps, never a
// program's flags.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/step.h"
#include "safemig/migrate/version.h"

namespace safemig::migrate {

struct ChecksumMismatch {
  Version version = 0;
  std::string name;
  std::string version_name;  // As recorded in the history (Diesel's text version), or empty.
  std::string applied_checksum;
  std::string current_checksum;  // Empty when the step is no longer in the set.
  std::string describe() const;
};

// The steps that a migrate or downgrade would run, in order, without running them.
struct Plan {
  Version from_version = kNoVersion;
  Version to_version = kNoVersion;
  Direction direction = Direction::up;
  std::vector<const MigrationStep*> steps;
};

// Steps from `current` up to `target` (default: the latest). invalid_input when the target is
// not a version of the set or is below `current`.
Result<Plan> plan_upgrade(const MigrationSet& set, Version current, std::optional<Version> target);
// The same for the database whose history is `history`. With `out_of_order`, the steps below
// the current version that were never applied (find_skipped_steps, up to `target`) run first,
// ascending, as Flyway's outOfOrder does; without it they are left out (check_definitions
// refuses them).
Result<Plan> plan_upgrade(const MigrationSet& set, const std::vector<HistoryEntry>& history,
                          std::optional<Version> target, bool out_of_order);
// Steps from `current` down to `target` (kNoVersion: every step), newest first. invalid_input for a
// bad target or a step without a down.
Result<Plan> plan_downgrade(const MigrationSet& set, Version current, Version target);
// Applied steps whose checksum differs from the set's, or that the set no longer has.
std::vector<ChecksumMismatch> find_checksum_mismatches(const MigrationSet& set,
                                                       const std::vector<HistoryEntry>& history);

// Steps of the set that are not applied although a higher version is (a step added below the
// applied ones, as after merging a branch): migrate would never run them. Ascending.
std::vector<const MigrationStep*> find_skipped_steps(const MigrationSet& set,
                                                     const std::vector<HistoryEntry>& history);
// "V3 b is not applied but version 5 is: …; give it a version above 5", for one of them;
// `current` is the current version as the set shows it (MigrationSet::version_name).
std::string describe_skipped(const MigrationStep& step, std::string_view current);
// Nothing when every applied step matches its definition and none is skipped (or skipped steps
// are to run out of order); otherwise checksum_mismatch (a person must decide): `preface`, then
// one line per changed or skipped step.
Result<void> check_definitions(const MigrationSet& set, const std::vector<HistoryEntry>& history,
                               std::string_view preface, bool out_of_order = false);

}  // namespace safemig::migrate
