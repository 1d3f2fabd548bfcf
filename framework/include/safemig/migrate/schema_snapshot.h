// Schema snapshots: the expected schema of a SQL-file migration, kept beside it.
//
// A directory of SQL migrations declares no Schema in code; instead `safemig schema snapshot`
// writes the live schema after version N to `<dir>/V<N>.schema.json`, a person reviews and
// commits it, and from then on the loader makes it the expected schema of step N, which the
// SafeMigrationManager validates every later run of that step against (and `verify` the live
// database). A snapshot is not part of the step's checksum: reviewing it never invalidates an
// applied step.
//
// Thread safety: functions touch only the files they name.
#pragma once

#include <optional>
#include <string>

#include "safemig/error.h"
#include "safemig/migrate/version.h"
#include "safemig/schema/schema.h"

namespace safemig::migrate {

// `<dir>/V<version>.schema.json`.
std::string schema_snapshot_path(const std::string& dir, Version version);

// The snapshot of `version` if the file exists; nullopt when it does not. A file that is not a
// valid snapshot is invalid_input naming it.
Result<std::optional<schema::Schema>> read_schema_snapshot(const std::string& dir, Version version);

// Writes the snapshot atomically (temp file, rename) and returns its path. An existing
// snapshot is replaced only with `overwrite`, else invalid_input saying so.
Result<std::string> write_schema_snapshot(const std::string& dir, Version version,
                                          const schema::Schema& schema, bool overwrite);

}  // namespace safemig::migrate
