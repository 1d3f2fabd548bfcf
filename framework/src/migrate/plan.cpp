// Implements safemig/migrate/plan.h; the contract and the thread-safety rule are stated there.
#include "safemig/migrate/plan.h"

#include <algorithm>
#include <set>

namespace safemig::migrate {

std::string ChecksumMismatch::describe() const {
  const std::string label =
      "V" + (version_name.empty() ? version_text(version) : version_name) + " " + name;
  if (current_checksum.empty()) {
    return label + " was applied but is no longer among the migrations; restore its definition";
  }
  return label + " was changed after it was applied (applied checksum " +
         applied_checksum.substr(0, 12) + ", now " + current_checksum.substr(0, 12) +
         "); restore the original definition and add a new step for the change";
}

Result<Plan> plan_upgrade(const MigrationSet& set, Version current, std::optional<Version> target) {
  const Version to = target.value_or(std::max(current, set.latest_version()));
  if (target && set.find(*target) == nullptr) {
    return fail(ErrorCode::invalid_input, "target version " + set.version_name(*target) +
                                              " is not a version of the migrations (" +
                                              set.source() + ")");
  }
  if (to < current) {
    return fail(ErrorCode::invalid_input, "the database is at version " +
                                              set.version_name(current) +
                                              ", above the target version " + set.version_name(to) +
                                              "; going down is a downgrade");
  }
  Plan plan{current, to, Direction::up, {}};
  for (const MigrationStep& step : set.steps()) {
    if (step.version > current && step.version <= to) plan.steps.push_back(&step);
  }
  return plan;
}

Result<Plan> plan_upgrade(const MigrationSet& set, const std::vector<HistoryEntry>& history,
                          std::optional<Version> target, bool out_of_order) {
  SAFEMIG_TRY(Plan plan, plan_upgrade(set, current_version(history), target));
  if (!out_of_order) return plan;
  std::vector<const MigrationStep*> steps;
  for (const MigrationStep* step : find_skipped_steps(set, history)) {
    if (step->version <= plan.to_version) steps.push_back(step);
  }
  steps.insert(steps.end(), plan.steps.begin(), plan.steps.end());
  plan.steps = std::move(steps);
  return plan;
}

Result<Plan> plan_downgrade(const MigrationSet& set, Version current, Version target) {
  if (target != kNoVersion && set.find(target) == nullptr) {
    return fail(ErrorCode::invalid_input, "target version " + set.version_name(target) +
                                              " is not a version of the migrations (" +
                                              set.source() + ")");
  }
  if (target > current) {
    return fail(ErrorCode::invalid_input, "the database is at version " +
                                              set.version_name(current) +
                                              ", below the target version " +
                                              set.version_name(target) + "; going up is a migrate");
  }
  Plan plan{current, target, Direction::down, {}};
  const std::vector<MigrationStep>& steps = set.steps();
  for (std::size_t i = steps.size(); i-- > 0;) {  // Newest first.
    const MigrationStep& step = steps[i];
    if (step.version > current || step.version <= target) continue;
    if (!step.down) {
      return fail(ErrorCode::invalid_input,
                  step.label() + " has no down step, so the database cannot go below version " +
                      step.shown_version());
    }
    plan.steps.push_back(&step);
  }
  return plan;
}

std::vector<ChecksumMismatch> find_checksum_mismatches(const MigrationSet& set,
                                                       const std::vector<HistoryEntry>& history) {
  std::vector<ChecksumMismatch> out;
  for (const HistoryEntry& applied : applied_entries(history)) {
    const MigrationStep* step = set.find(applied.version);
    if (step == nullptr) {
      out.push_back({applied.version, applied.name, applied.version_name, applied.checksum, ""});
    } else if (const std::string now = step->checksum();
               now != applied.checksum &&
               std::find(step->earlier_checksums.begin(), step->earlier_checksums.end(),
                         applied.checksum) == step->earlier_checksums.end()) {
      out.push_back({applied.version, applied.name, applied.version_name, applied.checksum, now});
    }
  }
  return out;
}

std::vector<const MigrationStep*> find_skipped_steps(const MigrationSet& set,
                                                     const std::vector<HistoryEntry>& history) {
  const Version current = current_version(history);
  std::set<Version> applied;
  for (const HistoryEntry& entry : applied_entries(history)) applied.insert(entry.version);
  std::vector<const MigrationStep*> out;
  for (const MigrationStep& step : set.steps()) {
    if (step.version < current && !applied.contains(step.version)) out.push_back(&step);
  }
  return out;
}

std::string describe_skipped(const MigrationStep& step, std::string_view current) {
  return step.label() + " is not applied but version " + std::string(current) +
         " is: a step below the applied ones never runs; give it a version above " +
         std::string(current) + ", downgrade below it first, or run it out of order";
}

Result<void> check_definitions(const MigrationSet& set, const std::vector<HistoryEntry>& history,
                               std::string_view preface, bool out_of_order) {
  const auto mismatches = find_checksum_mismatches(set, history);
  const auto skipped =
      out_of_order ? std::vector<const MigrationStep*>{} : find_skipped_steps(set, history);
  if (mismatches.empty() && skipped.empty()) return {};
  std::string message(preface);
  for (const auto& m : mismatches) message += "\n  " + m.describe();
  for (const MigrationStep* step : skipped) {
    message += "\n  " + describe_skipped(*step, set.version_name(current_version(history)));
  }
  return fail(ErrorCode::checksum_mismatch, message);
}

}  // namespace safemig::migrate
