// The migration-directory layouts the loader reads, and what a scan of a directory finds.
//
// Thread safety: plain values.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "safemig/migrate/version.h"

namespace safemig::migrate::loader {

enum class Layout { flyway, golang_migrate, goose, dbmate, sqlx, diesel };

// The tool's name as MigrationSet::layout() records it: "Flyway", "golang-migrate", "goose",
// "dbmate", "sqlx", "Diesel".
std::string_view layout_name(Layout layout);

// The file names the layout expects, with an example, for error messages; with no layout, the
// names of every layout.
std::string expected_names(std::optional<Layout> layout);

// One script of a step: a whole file, or a section of a single-file migration.
struct ScriptRef {
  std::filesystem::path path;
  std::string display;  // Path relative to the directory, for messages.
};

// One step found by the scan, before its scripts are read.
struct Candidate {
  Version version = 0;
  std::string version_text;  // As the tool writes it (leading zeros kept, Diesel's dashes gone).
  // The tool compares versions as text (Diesel): `version` is text_order_key(version_text),
  // and the step shows version_text.
  bool text_version = false;
  std::string name;
  ScriptRef up;
  std::optional<ScriptRef> down;
  // goose and dbmate: up and down are sections of the one file `up.path`.
  bool sections = false;
  // Diesel's metadata.toml says run_in_transaction = false.
  bool no_transaction = false;
  // Flyway's R__<name>.sql: no version, no down.
  bool repeatable = false;
};

}  // namespace safemig::migrate::loader
