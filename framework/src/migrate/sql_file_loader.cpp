// load_sql_directory: scan, build every step, report every problem at once (see
// sql_file_loader.h).
//
// Thread safety: no shared state.
#include "safemig/migrate/sql_file_loader.h"

#include <utility>
#include <vector>

#include "migrate/sql_loader_problems.h"
#include "migrate/sql_loader_scan.h"
#include "migrate/sql_loader_step.h"
#include "safemig/migrate/schema_snapshot.h"

namespace safemig::migrate {

Result<MigrationSet> load_sql_directory(const std::string& dir) {
  loader::Problems problems;
  SAFEMIG_TRY(loader::Scan scan, loader::scan_directory(dir, problems));
  std::vector<MigrationStep> steps;
  steps.reserve(scan.candidates.size());
  for (const loader::Candidate& candidate : scan.candidates) {
    std::optional<MigrationStep> step = loader::build_step(candidate, *scan.layout, problems);
    if (!step) {
      continue;
    }
    auto snapshot = read_schema_snapshot(dir, step->version);
    if (!snapshot) {
      problems.add(snapshot.error());
      continue;
    }
    step->expected_schema = std::move(*snapshot);
    steps.push_back(std::move(*step));
  }
  std::vector<MigrationStep> repeatables;
  for (const loader::Candidate& candidate : scan.repeatables) {
    std::optional<MigrationStep> step = loader::build_step(candidate, *scan.layout, problems);
    if (step) repeatables.push_back(std::move(*step));
  }
  if (!problems.empty()) {
    return fail(problems.combined(dir));
  }
  const std::string layout =
      scan.layout ? std::string(loader::layout_name(*scan.layout)) : std::string();
  return MigrationSet::create(std::move(steps), dir, layout, std::move(repeatables));
}

}  // namespace safemig::migrate
