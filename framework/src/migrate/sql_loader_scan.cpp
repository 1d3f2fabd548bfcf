// Implements sql_loader_scan.h.
#include "migrate/sql_loader_scan.h"

#include <algorithm>
#include <map>
#include <utility>

#include "migrate/sql_loader_files.h"
#include "migrate/sql_loader_names.h"
#include "migrate/sql_loader_sections.h"

namespace safemig::migrate::loader {
namespace {

namespace fs = std::filesystem;

enum class Kind {
  flyway,      // V…, U…, R__….sql
  reversible,  // <n>_<name>.up.sql / .down.sql
  goose,       // <n>….sql with goose annotations
  goose_go,    // <n>_<name>.go: a goose Go migration
  dbmate,      // <n>….sql with a -- migrate:up line
  plain,       // <n>_<name>.sql without annotations
  diesel,      // <version>_<name>/ holding up.sql
};

struct Found {
  Kind kind;
  std::string file;  // Relative to the directory; folders end in '/'.
  fs::path path;
};

struct Classified {
  std::vector<Found> found;
  std::vector<Found> unnamed;        // .sql files no layout names so.
  std::vector<Found> other_folders;  // Non-empty folders without up.sql.
  bool sqlx_marker = false;          // A numbered file starts with "-- no-transaction".
};

bool starts_with_digit(std::string_view s) {
  return !s.empty() && s.front() >= '0' && s.front() <= '9';
}

bool leading_digits_then_underscore(std::string_view s) {
  const std::size_t end = s.find_first_not_of("0123456789");
  return end != std::string_view::npos && end > 0 && s[end] == '_';
}

// Classifies one .sql file; numbered files are read to tell goose, dbmate and sqlx apart.
void classify_sql_file(const DirEntry& entry, Classified& out, Problems& problems) {
  const std::string& name = entry.name;
  if (name.starts_with("R__") || ((name.front() == 'V' || name.front() == 'U') && name.size() > 1 &&
                                  starts_with_digit(name.substr(1)))) {
    out.found.push_back(Found{Kind::flyway, name, entry.path});
    return;
  }
  if (!starts_with_digit(name)) {
    out.unnamed.push_back(Found{Kind::plain, name, entry.path});
    return;
  }
  auto text = read_text(entry.path, name);
  if (!text) {
    problems.add(text.error());
    return;
  }
  if (text->starts_with("-- no-transaction")) {
    out.sqlx_marker = true;
  }
  if (name.ends_with(".up.sql") || name.ends_with(".down.sql")) {
    out.found.push_back(Found{Kind::reversible, name, entry.path});
  } else if (has_goose_annotation(*text)) {
    out.found.push_back(Found{Kind::goose, name, entry.path});
  } else if (has_dbmate_up(*text)) {
    out.found.push_back(Found{Kind::dbmate, name, entry.path});
  } else if (leading_digits_then_underscore(name)) {
    out.found.push_back(Found{Kind::plain, name, entry.path});
  } else {
    out.unnamed.push_back(Found{Kind::plain, name, entry.path});
  }
}

Classified classify(const std::vector<DirEntry>& entries, Problems& problems) {
  Classified out;
  for (const DirEntry& entry : entries) {
    const std::string& name = entry.name;
    if (name.empty() || name.front() == '.') {
      continue;
    }
    if (entry.directory) {
      if (is_regular(entry.path / "up.sql")) {
        out.found.push_back(Found{Kind::diesel, name + "/", entry.path});
      } else if (directory_has_entries(entry.path)) {
        out.other_folders.push_back(Found{Kind::diesel, name + "/", entry.path});
      }
    } else if (name.size() > 4 && name.ends_with(".sql")) {
      if (!entry.regular) {
        problems.add(file_error(ErrorCode::not_found, name,
                                "is not a regular file (a link to a missing file, or a device); "
                                "replace it with the migration file or remove it",
                                entry.path));
      } else {
        classify_sql_file(entry, out, problems);
      }
    } else if (name.ends_with(".go") && !name.ends_with("_test.go") &&
               leading_digits_then_underscore(name)) {
      out.found.push_back(Found{Kind::goose_go, name, entry.path});
    }
  }
  return out;
}

const Found* first_of(const Classified& c, std::initializer_list<Kind> kinds) {
  for (const Found& found : c.found) {
    if (std::find(kinds.begin(), kinds.end(), found.kind) != kinds.end()) return &found;
  }
  return nullptr;
}

// The layout of the classified entries, or a problem naming a file of each layout mixed.
std::optional<Layout> detect_layout(const Classified& c, const std::string& dir, Problems& problems,
                                    bool& mixed) {
  const Found* flyway = first_of(c, {Kind::flyway});
  const Found* diesel = first_of(c, {Kind::diesel});
  const Found* goose = first_of(c, {Kind::goose, Kind::goose_go});
  const Found* dbmate = first_of(c, {Kind::dbmate});
  const Found* reversible = first_of(c, {Kind::reversible});
  const Found* plain = first_of(c, {Kind::plain});
  std::vector<std::pair<std::string, const Found*>> flavours;
  if (flyway) flavours.emplace_back("Flyway", flyway);
  if (diesel) flavours.emplace_back("Diesel", diesel);
  if (goose) flavours.emplace_back("goose", goose);
  if (dbmate) flavours.emplace_back("dbmate", dbmate);
  const bool annotated = goose != nullptr || dbmate != nullptr;
  if (reversible && (annotated || plain == nullptr)) {
    flavours.emplace_back("golang-migrate", reversible);
  } else if (reversible || plain) {
    flavours.emplace_back("sqlx", reversible ? reversible : plain);
  }
  if (annotated && !reversible && plain) {
    // Unannotated <n>_<name>.sql files in a goose or dbmate directory belong to it (and are
    // reported there), not to sqlx.
    flavours.pop_back();
  }
  if (flavours.size() > 1) {
    std::string message = "the migration directory '" + dir + "' mixes ";
    for (std::size_t i = 0; i < flavours.size(); ++i) {
      if (i > 0) message += i + 1 == flavours.size() ? " and " : ", ";
      message += "the " + flavours[i].first + " layout (" + flavours[i].second->file + ")";
    }
    problems.add(Error(ErrorCode::invalid_input, message + "; keep one layout per directory")
                     .with_file(dir));
    mixed = true;
    return std::nullopt;
  }
  if (flavours.empty()) {
    return std::nullopt;
  }
  const std::string& tool = flavours.front().first;
  if (tool == "Flyway") return Layout::flyway;
  if (tool == "Diesel") return Layout::diesel;
  if (tool == "goose") return Layout::goose;
  if (tool == "dbmate") return Layout::dbmate;
  if (tool == "golang-migrate" && !c.sqlx_marker) return Layout::golang_migrate;
  return Layout::sqlx;
}

struct Named {
  NameParts parts;
  const Found* found;
};

// Pairs up and undo files by version, in version order.
void pair_by_version(const std::vector<Named>& files, Layout layout, bool sections,
                     std::vector<Candidate>& candidates, Problems& problems) {
  std::map<Version, const Named*> ups;
  std::map<Version, const Named*> downs;
  for (const Named& file : files) {
    auto& by_version = file.parts.undo ? downs : ups;
    auto [it, inserted] = by_version.emplace(file.parts.version, &file);
    if (!inserted) {
      problems.add(file_error(ErrorCode::invalid_input, file.found->file,
                              "has the same version " + std::to_string(file.parts.version) +
                                  " as " + it->second->found->file +
                                  "; give each migration its own version (leading zeros do not "
                                  "count)",
                              file.found->path));
    }
  }
  for (const auto& [version, down] : downs) {
    if (ups.count(version) == 0) {
      const std::string expected = layout == Layout::flyway
                                       ? "V" + down->parts.version_text + "__<name>.sql"
                                       : down->parts.version_text + "_<name>.up.sql";
      problems.add(file_error(ErrorCode::invalid_input, down->found->file,
                              "undoes version " + std::to_string(version) + ", but there is no " +
                                  expected + "; add the migration or remove the undo file",
                              down->found->path));
    }
  }
  for (const auto& [version, up] : ups) {
    Candidate candidate;
    candidate.version = version;
    candidate.version_text = up->parts.version_text;
    candidate.name = up->parts.name;
    candidate.up = ScriptRef{up->found->path, up->found->file};
    candidate.sections = sections;
    if (auto down = downs.find(version); down != downs.end()) {
      candidate.down = ScriptRef{down->second->found->path, down->second->found->file};
    }
    candidates.push_back(std::move(candidate));
  }
}

// dbmate orders files by name, and its versions are their leading digits, kept as numbers;
// Diesel's text versions are kept by text_order_key, whose order is Diesel's. The orders agree
// unless two dbmate versions differ in length, which is checked here on `files` sorted as the
// tool sorts them.
void check_text_order(const std::vector<Named>& files, std::string_view tool, Problems& problems) {
  for (std::size_t i = 1; i < files.size(); ++i) {
    const Named& a = files[i - 1];
    const Named& b = files[i];
    if (a.parts.version_text == b.parts.version_text || a.parts.version == b.parts.version) {
      problems.add(file_error(ErrorCode::invalid_input, b.found->file,
                              "has the same version " + b.parts.version_text + " as " +
                                  a.found->file + "; give each migration its own version",
                              b.found->path));
    } else if (a.parts.version > b.parts.version) {
      problems.add(file_error(
          ErrorCode::invalid_input, b.found->file,
          std::string(tool) + " orders versions as text, so version " + b.parts.version_text +
              " comes after " + a.parts.version_text + " (" + a.found->file +
              "), but as numbers it comes before; safemig stores versions as 64-bit numbers and "
              "cannot keep " +
              std::string(tool) +
              "'s order: rename the migrations so that all versions have the same number of "
              "digits",
          b.found->path));
    }
  }
}

void text_ordered_candidates(std::vector<Named> files, Layout layout, std::vector<Candidate>& out,
                             Problems& problems) {
  // dbmate sorts by file name; Diesel by version text.
  std::stable_sort(files.begin(), files.end(), [&](const Named& a, const Named& b) {
    return layout == Layout::diesel ? a.parts.version_text < b.parts.version_text
                                    : a.found->file < b.found->file;
  });
  // Out-of-order steps are still read, so that their own problems are reported too.
  check_text_order(files, layout_name(layout), problems);
  for (const Named& file : files) {
    Candidate candidate;
    candidate.version = file.parts.version;
    candidate.version_text = file.parts.version_text;
    candidate.name = file.parts.name;
    candidate.text_version = layout == Layout::diesel;
    if (layout == Layout::diesel) {
      const std::string folder = file.found->file;
      candidate.up = ScriptRef{file.found->path / "up.sql", folder + "up.sql"};
      if (is_regular(file.found->path / "down.sql")) {
        candidate.down = ScriptRef{file.found->path / "down.sql", folder + "down.sql"};
      }
      const fs::path metadata = file.found->path / "metadata.toml";
      if (is_regular(metadata)) {
        auto text = read_text(metadata, folder + "metadata.toml");
        if (!text) {
          problems.add(text.error());
          continue;
        }
        std::string compact;
        for (char c : *text) {
          if (c != ' ' && c != '\t') compact += c;
        }
        candidate.no_transaction = compact.find("run_in_transaction=false") != std::string::npos;
      }
    } else {
      candidate.up = ScriptRef{file.found->path, file.found->file};
      candidate.sections = true;
    }
    out.push_back(std::move(candidate));
  }
}

// Parses every found name by `layout`'s rules; bad names become problems.
std::vector<Named> parse_names(const Classified& c, Layout layout, Problems& problems) {
  std::vector<Named> named;
  for (const Found& found : c.found) {
    Result<NameParts> parts = fail(ErrorCode::internal, "unclassified");
    switch (found.kind) {
      case Kind::flyway:
        parts = parse_flyway_name(found.file, found.path);
        break;
      case Kind::reversible:
        parts = parse_reversible_name(found.file, found.path, layout_name(layout));
        break;
      case Kind::goose:
        parts = parse_numbered_name(found.file, found.path, "goose", 1);
        break;
      case Kind::goose_go:
        parts = fail(file_error(ErrorCode::invalid_input, found.file,
                                "is a goose Go migration; safemig runs SQL migrations only: "
                                "rewrite it as a .sql file with -- +goose Up / -- +goose Down "
                                "sections, or run it with goose",
                                found.path));
        break;
      case Kind::dbmate:
        parts = parse_dbmate_name(found.file, found.path);
        break;
      case Kind::plain:
        if (layout == Layout::goose) {
          parts = fail(file_error(ErrorCode::invalid_input, found.file,
                                  "has no '-- +goose Up' annotation; goose requires each SQL "
                                  "migration to start with '-- +goose Up' (and optionally a "
                                  "'-- +goose Down' section)",
                                  found.path));
        } else if (layout == Layout::dbmate) {
          parts = fail(file_error(ErrorCode::invalid_input, found.file,
                                  "has no '-- migrate:up' line; dbmate requires each migration "
                                  "to hold a '-- migrate:up' section and a '-- migrate:down' "
                                  "section",
                                  found.path));
        } else {
          parts = parse_numbered_name(found.file, found.path, "sqlx", 0);
        }
        break;
      case Kind::diesel:
        parts = parse_diesel_name(found.file.substr(0, found.file.size() - 1), found.path);
        break;
    }
    if (parts) {
      named.push_back(Named{std::move(*parts), &found});
    } else {
      problems.add(parts.error());
    }
  }
  return named;
}

}  // namespace

Result<Scan> scan_directory(const std::string& dir, Problems& problems) {
  SAFEMIG_TRY(std::vector<DirEntry> entries, list_directory(dir));
  const Classified classified = classify(entries, problems);
  bool mixed = false;
  Scan scan;
  scan.layout = detect_layout(classified, dir, problems, mixed);
  if (mixed) {
    return scan;
  }
  for (const Found& file : classified.unnamed) {
    problems.add(file_error(ErrorCode::invalid_input, file.file,
                            "not a migration file name; " + expected_names(scan.layout) +
                                "; rename it, or give it another extension if it is not a "
                                "migration",
                            file.path));
  }
  if (!scan.layout) {
    return scan;
  }
  const Layout layout = *scan.layout;
  if (layout == Layout::diesel) {
    for (const Found& folder : classified.other_folders) {
      problems.add(file_error(ErrorCode::not_found, folder.file,
                              "has no up.sql; Diesel requires every folder of the migration "
                              "directory to hold up.sql (and optionally down.sql): add it, or "
                              "move the folder out",
                              folder.path));
    }
  }
  std::vector<Named> named = parse_names(classified, layout, problems);
  // Repeatables have no version to pair or order by; MigrationSet orders them by name.
  const auto first_repeatable = std::stable_partition(
      named.begin(), named.end(), [](const Named& file) { return !file.parts.repeatable; });
  for (auto it = first_repeatable; it != named.end(); ++it) {
    Candidate candidate;
    candidate.version = kNoVersion;
    candidate.name = it->parts.name;
    candidate.up = ScriptRef{it->found->path, it->found->file};
    candidate.repeatable = true;
    scan.repeatables.push_back(std::move(candidate));
  }
  named.erase(first_repeatable, named.end());
  if (layout == Layout::diesel || layout == Layout::dbmate) {
    text_ordered_candidates(std::move(named), layout, scan.candidates, problems);
  } else {
    pair_by_version(named, layout, layout == Layout::goose, scan.candidates, problems);
  }
  return scan;
}

}  // namespace safemig::migrate::loader
