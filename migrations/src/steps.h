// The application's migration steps, one function per version (internal to the history).
//
// Thread safety: pure functions returning values.
#pragma once

#include "safemig/migrate/step.h"
#include "safemig/schema/schema.h"

namespace safemig::app::internal {

inline constexpr const char* kRequestsTable = "completion_requests";

migrate::MigrationStep step_v1();
migrate::MigrationStep step_v2();
migrate::MigrationStep step_v3();
migrate::MigrationStep step_v4();
migrate::MigrationStep step_v5();

schema::Schema schema_v1();
schema::Schema schema_v2();
schema::Schema schema_v3();
schema::Schema schema_v4();
schema::Schema schema_v5();

}  // namespace safemig::app::internal
