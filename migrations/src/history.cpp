// The application's schema history as a MigrationSet (see safemig/app/history.h).
//
// Thread safety: pure functions returning values.
#include "safemig/app/history.h"

#include "steps.h"

namespace safemig::app {

Result<migrate::MigrationSet> application_history() {
  std::vector<migrate::MigrationStep> steps;
  steps.push_back(internal::step_v1());
  steps.push_back(internal::step_v2());
  steps.push_back(internal::step_v3());
  steps.push_back(internal::step_v4());
  steps.push_back(internal::step_v5());
  return migrate::MigrationSet::create(std::move(steps), "built-in application history");
}

schema::Schema expected_schema_v(int version) {
  switch (version) {
    case 1:
      return internal::schema_v1();
    case 2:
      return internal::schema_v2();
    case 3:
      return internal::schema_v3();
    case 4:
      return internal::schema_v4();
    case 5:
      return internal::schema_v5();
    default:
      return schema::Schema{};
  }
}

}  // namespace safemig::app
