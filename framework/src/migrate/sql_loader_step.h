// Building a MigrationStep from a scanned candidate: reading its scripts, their directives,
// statements and touched tables.
//
// A step's checksum (definition) for layouts with one file per direction (Flyway,
// golang-migrate, sqlx, Diesel) is its up file's text as checksum_text sees it, and
// earlier_checksums keeps what earlier releases recorded (the raw up bytes, and up + NUL +
// down); for goose and dbmate it is the whole file's text, so editing either section is a
// change.
//
// Thread safety: no shared state.
#pragma once

#include <optional>

#include "migrate/sql_loader_layout.h"
#include "migrate/sql_loader_problems.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate::loader {

// The step of `candidate`, or nullopt after adding its problems (every bad script of the step)
// to `problems`.
std::optional<MigrationStep> build_step(const Candidate& candidate, Layout layout,
                                        Problems& problems);

}  // namespace safemig::migrate::loader
