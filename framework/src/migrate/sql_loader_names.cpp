// Implements sql_loader_names.h.
#include "migrate/sql_loader_names.h"

#include <algorithm>
#include <limits>

#include "migrate/sql_loader_files.h"
#include "migrate/sql_loader_layout.h"

namespace safemig::migrate::loader {

namespace fs = std::filesystem;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-' ||
         c == '.';
}

Result<NameParts> check_name(NameParts parts, const std::string& file, const fs::path& path) {
  if (!is_valid_name(parts.name)) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration name '" + parts.name +
                               "': safemig step names are 1 to 200 letters, digits, '_', '-' or "
                               "'.'; rename the file",
                           path));
  }
  return parts;
}

Error too_large(const std::string& file, std::string_view digits, const fs::path& path) {
  return file_error(ErrorCode::invalid_input, file,
                    "version " + std::string(digits) +
                        " does not fit a 64-bit version (at most 9223372036854775807); "
                        "renumber the migration",
                    path);
}

}  // namespace

bool is_valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), is_name_char);
}

Result<NameParts> parse_flyway_name(const std::string& file, const fs::path& path) {
  const std::string_view stem = std::string_view(file).substr(0, file.size() - 4);
  if (stem.starts_with("R__")) {
    NameParts parts;
    parts.repeatable = true;
    parts.version = kNoVersion;
    parts.name = std::string(stem.substr(3));
    if (parts.name.empty()) {
      return fail(file_error(ErrorCode::invalid_input, file,
                             "malformed Flyway repeatable migration name: the description after "
                             "'R__' is empty; expected R__<name>.sql, e.g. R__refresh_views.sql",
                             path));
    }
    return check_name(std::move(parts), file, path);
  }
  const char prefix = stem.front();
  const std::string expected =
      std::string("expected ") + prefix + "<n>__<name>.sql, e.g. " + prefix + "1__create_users.sql";
  const std::size_t separator = stem.find("__");
  if (separator == std::string_view::npos) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed Flyway file name: the version and the name must be "
                           "separated by two underscores; " +
                               expected,
                           path));
  }
  NameParts parts;
  parts.undo = prefix == 'U';
  parts.version_text = std::string(stem.substr(1, separator - 1));
  parts.name = std::string(stem.substr(separator + 2));
  if (parts.name.empty()) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed Flyway file name: the name after '__' is empty; " + expected,
                           path));
  }
  // Flyway reads '_' in a version as '.', splits at '.', and drops trailing zero parts.
  std::string_view rest = parts.version_text;
  const std::size_t dot = rest.find_first_of("._");
  const std::string_view major = rest.substr(0, dot);
  const std::string_view minor = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
  const bool minor_ok =
      dot == std::string_view::npos ||
      (!minor.empty() && minor.front() != '.' && minor.front() != '_' && minor.back() != '.' &&
       minor.back() != '_' &&
       std::all_of(minor.begin(), minor.end(),
                   [](char c) { return is_digit(c) || c == '.' || c == '_'; }) &&
       minor.find("..") == std::string_view::npos && minor.find("__") == std::string_view::npos);
  if (!is_digits(major) || !minor_ok) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed Flyway file name: the version '" + parts.version_text +
                               "' is not a number (or numbers separated by '.'); " + expected,
                           path));
  }
  if (std::any_of(minor.begin(), minor.end(), [](char c) { return c >= '1' && c <= '9'; })) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "has the dotted version " + parts.version_text +
                               ", which Flyway orders between whole versions; safemig versions "
                               "are single 64-bit numbers, so it cannot be mapped faithfully: "
                               "renumber it as a whole version (V<n>__<name>.sql)",
                           path));
  }
  const std::optional<Version> version = parse_version_number(major);
  if (!version) {
    return fail(too_large(file, major, path));
  }
  parts.version = *version;
  return check_name(std::move(parts), file, path);
}

Result<NameParts> parse_reversible_name(const std::string& file, const fs::path& path,
                                        std::string_view layout) {
  const std::string expected =
      "expected <n>_<name>.up.sql or <n>_<name>.down.sql, e.g. "
      "1_create_users.up.sql (" +
      std::string(layout) + ")";
  std::string_view stem = std::string_view(file).substr(0, file.size() - 4);
  NameParts parts;
  if (stem.ends_with(".up")) {
    stem.remove_suffix(3);
  } else if (stem.ends_with(".down")) {
    stem.remove_suffix(5);
    parts.undo = true;
  } else {
    return fail(file_error(
        ErrorCode::invalid_input, file,
        "malformed migration file name: no .up or .down before .sql; " + expected, path));
  }
  const std::size_t separator = stem.find('_');
  const std::string_view digits = stem.substr(0, separator);
  if (separator == std::string_view::npos || !is_digits(digits)) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration file name: " + expected, path));
  }
  const std::optional<Version> version = parse_version_number(digits);
  if (!version) {
    return fail(too_large(file, digits, path));
  }
  parts.version = *version;
  parts.version_text = std::string(digits);
  parts.name = std::string(stem.substr(separator + 1));
  return check_name(std::move(parts), file, path);
}

Result<NameParts> parse_numbered_name(const std::string& file, const fs::path& path,
                                      std::string_view layout, Version minimum) {
  const std::string_view stem = std::string_view(file).substr(0, file.size() - 4);
  const std::size_t separator = stem.find('_');
  const std::string_view digits = stem.substr(0, separator);
  if (separator == std::string_view::npos || !is_digits(digits)) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration file name: expected <n>_<name>.sql, e.g. "
                           "20240313170000_create_users.sql (" +
                               std::string(layout) + ")",
                           path));
  }
  const std::optional<Version> version = parse_version_number(digits);
  if (!version) {
    return fail(too_large(file, digits, path));
  }
  if (*version < minimum) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "has version " + std::string(digits) + ", but " + std::string(layout) +
                               " versions start at " + std::to_string(minimum) +
                               "; renumber the migration",
                           path));
  }
  NameParts parts;
  parts.version = *version;
  parts.version_text = std::string(digits);
  parts.name = std::string(stem.substr(separator + 1));
  return check_name(std::move(parts), file, path);
}

Result<NameParts> parse_dbmate_name(const std::string& file, const fs::path& path) {
  const std::string_view stem = std::string_view(file).substr(0, file.size() - 4);
  const std::size_t end = std::min(stem.find_first_not_of("0123456789"), stem.size());
  const std::string_view digits = stem.substr(0, end);
  if (digits.empty()) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration file name: " + expected_names(Layout::dbmate),
                           path));
  }
  const std::optional<Version> version = parse_version_number(digits);
  if (!version) {
    return fail(too_large(file, digits, path));
  }
  NameParts parts;
  parts.version = *version;
  parts.version_text = std::string(digits);
  std::string_view name = stem.substr(end);
  if (!name.empty() && (name.front() == '_' || name.front() == '-')) name.remove_prefix(1);
  parts.name = name.empty() ? parts.version_text : std::string(name);
  return check_name(std::move(parts), file, path);
}

Result<NameParts> parse_diesel_name(const std::string& folder, const fs::path& path) {
  const std::string display = folder + "/";
  const std::size_t separator = folder.find('_');
  NameParts parts;
  for (char c : std::string_view(folder).substr(0, separator)) {
    if (c != '-') parts.version_text += c;
  }
  parts.name = separator == std::string::npos ? folder : folder.substr(separator + 1);
  const std::optional<Version> version = text_order_key(parts.version_text);
  if (!version) {
    return fail(file_error(ErrorCode::invalid_input, display,
                           "Diesel's version of this folder is '" + parts.version_text +
                               "' (its name up to the first '_', without '-'); safemig keeps "
                               "Diesel versions of 1 to " +
                               std::to_string(kTextVersionDigits) +
                               " digits: rename it <YYYY-MM-DD-HHMMSS>_<name>/",
                           path));
  }
  parts.version = *version;
  return check_name(std::move(parts), display, path);
}

}  // namespace safemig::migrate::loader
