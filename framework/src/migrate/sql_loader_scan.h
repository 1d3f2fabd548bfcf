// Scanning a migration directory: which layout it uses and which steps it holds, from the
// names of its entries (and, for <n>_<name>.sql files, their annotations).
//
// Layout detection (one layout per directory; a mix is a problem naming a file of each):
//   V<n>__… / U<n>__… / R__… files (R__: repeatable)     Flyway
//   folders holding up.sql                                Diesel
//   <n>_….sql with "-- +goose" annotations, <n>_….go      goose
//   <n>….sql with a "-- migrate:up" line                  dbmate
//   <n>_<name>.up.sql / .down.sql only                    golang-migrate, or sqlx when a file
//                                                         starts with sqlx's "-- no-transaction"
//   <n>_<name>.sql without annotations (with or without   sqlx
//   .up.sql / .down.sql beside them)
// golang-migrate and sqlx read .up.sql/.down.sql pairs the same way, so the choice only names
// the layout. In a goose or dbmate directory a <n>_<name>.sql without the tool's annotations
// is a problem (the tool itself refuses it).
//
// Ignored, as the tools ignore them: hidden entries, files not ending in ".sql" (README.md,
// V1.schema.json), and subdirectories unless the layout is Diesel. Every other .sql file must be
// a well-formed migration of the layout.
//
// Thread safety: no shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migrate/sql_loader_layout.h"
#include "migrate/sql_loader_problems.h"
#include "safemig/error.h"

namespace safemig::migrate::loader {

struct Scan {
  std::optional<Layout> layout;        // None for a directory without migrations.
  std::vector<Candidate> candidates;   // In the layout's order; the steps without problems.
  std::vector<Candidate> repeatables;  // Flyway's R__ files, in the order of the directory.
};

// Scans `dir`; problems with single entries are added to `problems` and the rest is scanned.
// Errors: those of list_directory (the directory itself cannot be listed).
Result<Scan> scan_directory(const std::string& dir, Problems& problems);

}  // namespace safemig::migrate::loader
