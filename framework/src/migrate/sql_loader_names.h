// File and folder naming rules of each layout: version, name and direction from a name.
//
// Rules, from each tool's own source:
//   Flyway (MigrationVersion, fromVersion): V<version>__<description>.sql, U… undoes it. A
//     version's parts are separated by '.' or '_' and compared as numbers, trailing zero parts
//     ignored (V1.0 is V1). A dotted version with a non-zero later part (V1.1) has no faithful
//     64-bit number and is refused. R__<description>.sql is a repeatable migration: no version,
//     the description is the step's name.
//   golang-migrate (source/parse.go): ^([0-9]+)_(.*)\.(up|down)\.sql$, version 0 allowed.
//   sqlx (migrate/source.rs): <n>_<description>.sql, or .up.sql / .down.sql; n an i64.
//   goose (NumericComponent): <n>_<name>.sql; n an int64 >= 1.
//   dbmate (db.go migrationFileRegexp): ^(\d+).*\.sql$; the version is the leading digits.
//   Diesel (migrations_internals::version_from_string): a folder's version is its name up to
//     the first '_' with every '-' removed ("2024-03-13_170000_x" has version 20240313).
//
// Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "safemig/error.h"
#include "safemig/migrate/version.h"

namespace safemig::migrate::loader {

struct NameParts {
  Version version = 0;
  std::string version_text;  // As written, leading zeros kept.
  std::string name;          // The step's name.
  bool undo = false;         // U<n>__ (Flyway) or .down.sql.
  bool repeatable = false;   // Flyway's R__<description>.sql; version is kNoVersion.
};

// True for a step name MigrationSet accepts: 1 to 200 letters, digits, '_', '-' or '.'.
bool is_valid_name(std::string_view name);

// Each parser takes the file's name within the directory (with its ".sql") and path.
// Errors: invalid_input naming the file and what the layout expects.
Result<NameParts> parse_flyway_name(const std::string& file, const std::filesystem::path& path);
Result<NameParts> parse_reversible_name(const std::string& file, const std::filesystem::path& path,
                                        std::string_view layout);
// goose (`minimum` 1) and sqlx (`minimum` 0) single files.
Result<NameParts> parse_numbered_name(const std::string& file, const std::filesystem::path& path,
                                      std::string_view layout, Version minimum);
Result<NameParts> parse_dbmate_name(const std::string& file, const std::filesystem::path& path);
// A Diesel folder's name; the version must be 1 to kTextVersionDigits digits, kept by its
// text order (text_order_key).
Result<NameParts> parse_diesel_name(const std::string& folder, const std::filesystem::path& path);

}  // namespace safemig::migrate::loader
