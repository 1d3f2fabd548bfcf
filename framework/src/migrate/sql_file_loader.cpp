// SQL-file migrations: directory scanning, file reading, directives and inference
// (see sql_file_loader.h).
//
// Thread safety: no shared state.
#include "safemig/migrate/sql_file_loader.h"

#include "safemig/migrate/schema_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "safemig/migrate/sql_splitter.h"

namespace safemig::migrate {
namespace {

namespace fs = std::filesystem;

enum class Layout { flyway, golang_migrate, directories };

std::string layout_name(Layout layout) {
  switch (layout) {
    case Layout::flyway:
      return "Flyway layout (V<n>__<name>.sql)";
    case Layout::golang_migrate:
      return "golang-migrate layout (<n>_<name>.up.sql)";
    case Layout::directories:
      return "directory layout (<timestamp>_<name>/up.sql)";
  }
  return "unknown layout";
}

constexpr std::string_view kExpectedNames =
    "expected V<n>__<name>.sql (Flyway), U<n>__<name>.sql (its undo), or <n>_<name>.up.sql / "
    "<n>_<name>.down.sql (golang-migrate)";

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool is_valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), is_name_char);
}

std::string trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const std::size_t last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

Error file_error(ErrorCode code, const std::string& display, const std::string& what,
                 const fs::path& path) {
  return Error(code, display + ": " + what).with_file(path.string());
}

// A migration file name taken apart.
struct FileName {
  Layout layout = Layout::flyway;
  bool undo = false;
  int version = 0;
  std::string version_digits;  // As written, with any leading zeros.
  std::string name;
};

Result<int> parse_version(std::string_view digits, const std::string& file, const fs::path& path) {
  std::string_view significant =
      digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
  if (significant.empty()) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "version 0 is the empty database; migration versions start at 1", path));
  }
  if (significant.size() > 10 || std::stoll(std::string(significant)) > 2147483647LL) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "version " + std::string(digits) +
                               " is too large; versions are at most 2147483647 (use sequential "
                               "numbers, or the <timestamp>_<name>/up.sql layout for timestamps)",
                           path));
  }
  return static_cast<int>(std::stoll(std::string(significant)));
}

Result<FileName> parse_flyway_name(const std::string& file, std::string_view stem,
                                   const fs::path& path) {
  const char prefix = stem.front();
  const std::string expected =
      std::string("expected ") + prefix + "<n>__<name>.sql, e.g. " + prefix + "1__create_users.sql";
  const std::size_t separator = stem.find("__");
  if (separator == std::string_view::npos) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration file name: the version and the name must be "
                           "separated by two underscores; " +
                               expected,
                           path));
  }
  const std::string_view digits = stem.substr(1, separator - 1);
  if (!is_digits(digits)) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration file name: the version '" + std::string(digits) +
                               "' is not a whole number (dotted versions are not supported); " +
                               expected,
                           path));
  }
  FileName parsed;
  parsed.layout = Layout::flyway;
  parsed.undo = prefix == 'U';
  parsed.version_digits = std::string(digits);
  parsed.name = std::string(stem.substr(separator + 2));
  if (parsed.name.empty()) {
    return fail(file_error(
        ErrorCode::invalid_input, file,
        "malformed migration file name: the name after '__' is empty; " + expected, path));
  }
  SAFEMIG_TRY(parsed.version, parse_version(digits, file, path));
  return parsed;
}

Result<FileName> parse_golang_name(const std::string& file, std::string_view stem,
                                   const fs::path& path) {
  const std::string expected =
      "expected <n>_<name>.up.sql or <n>_<name>.down.sql, e.g. 1_create_users.up.sql";
  FileName parsed;
  parsed.layout = Layout::golang_migrate;
  std::string_view base;
  if (stem.ends_with(".up")) {
    base = stem.substr(0, stem.size() - 3);
  } else if (stem.ends_with(".down")) {
    base = stem.substr(0, stem.size() - 5);
    parsed.undo = true;
  } else {
    return fail(file_error(
        ErrorCode::invalid_input, file,
        "malformed migration file name: no .up or .down before .sql; " + expected, path));
  }
  const std::size_t separator = base.find('_');
  const std::string_view digits = base.substr(0, separator);
  if (separator == std::string_view::npos || !is_digits(digits) || separator + 1 == base.size()) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration file name: " + expected, path));
  }
  parsed.version_digits = std::string(digits);
  parsed.name = std::string(base.substr(separator + 1));
  SAFEMIG_TRY(parsed.version, parse_version(digits, file, path));
  return parsed;
}

Result<FileName> parse_file_name_parts(const std::string& file, std::string_view stem,
                                       const fs::path& path) {
  if (stem.starts_with("R__")) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "repeatable migrations (R__) are not supported; make it a versioned "
                           "V<n>__<name>.sql",
                           path));
  }
  if (!stem.empty() && (stem.front() == 'V' || stem.front() == 'U')) {
    return parse_flyway_name(file, stem, path);
  }
  if (!stem.empty() && stem.front() >= '0' && stem.front() <= '9') {
    return parse_golang_name(file, stem, path);
  }
  return fail(file_error(ErrorCode::invalid_input, file,
                         "not a migration file name; " + std::string(kExpectedNames) +
                             "; rename it, or give it another extension if it is not a "
                             "migration",
                         path));
}

// Parses a top-level .sql file name (the caller has checked the suffix).
Result<FileName> parse_file_name(const std::string& file, const fs::path& path) {
  const std::string_view stem = std::string_view(file).substr(0, file.size() - 4);
  SAFEMIG_TRY(FileName parsed, parse_file_name_parts(file, stem, path));
  if (!is_valid_name(parsed.name)) {
    return fail(file_error(ErrorCode::invalid_input, file,
                           "malformed migration name '" + parsed.name +
                               "': use at most 200 letters, digits, '_', '-' or '.'",
                           path));
  }
  return parsed;
}

// One step found by the scan, before its files are read.
struct Candidate {
  int version = 0;
  std::string version_digits;
  std::string name;
  fs::path up_path;
  std::string up_display;  // Path relative to the directory, for messages.
  std::optional<fs::path> down_path;
  std::string down_display;
};

struct Scan {
  std::optional<Layout> layout;
  std::vector<Candidate> candidates;  // In version order.
};

struct DirEntry {
  std::string name;
  fs::path path;
  bool directory = false;
  bool regular = false;
};

Result<std::vector<DirEntry>> list_directory(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(Error(ErrorCode::io, "cannot inspect the migration directory '" + dir +
                                         "': " + ec.message() + "; check its permissions")
                    .with_file(dir));
  }
  if (!fs::exists(status)) {
    return fail(Error(ErrorCode::not_found, "the migration directory '" + dir +
                                                "' does not exist; pass the directory that "
                                                "holds the migration files")
                    .with_file(dir));
  }
  if (!fs::is_directory(status)) {
    return fail(Error(ErrorCode::invalid_input,
                      "'" + dir +
                          "' is not a directory; pass the directory that holds the "
                          "migration files, not a file")
                    .with_file(dir));
  }
  const Error unreadable = Error(ErrorCode::io, "cannot read the migration directory '" + dir +
                                                    "'; check its permissions")
                               .with_file(dir);
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return fail(unreadable.with_prefix(ec.message()));
  }
  std::vector<DirEntry> entries;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      return fail(unreadable.with_prefix(ec.message()));
    }
    DirEntry entry;
    entry.path = it->path();
    entry.name = entry.path.filename().string();
    std::error_code type_ec;
    entry.directory = it->is_directory(type_ec);
    entry.regular = !type_ec && it->is_regular_file(type_ec);
    entries.push_back(std::move(entry));
  }
  if (ec) {
    return fail(unreadable.with_prefix(ec.message()));
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

Result<void> note_layout(Scan& scan, Layout layout, std::string& first_file,
                         const std::string& file, const std::string& dir) {
  if (!scan.layout) {
    scan.layout = layout;
    first_file = file;
    return {};
  }
  if (*scan.layout == layout) {
    return {};
  }
  return fail(Error(ErrorCode::invalid_input, "the migration directory '" + dir + "' mixes the " +
                                                  layout_name(*scan.layout) + " (" + first_file +
                                                  ") and the " + layout_name(layout) + " (" + file +
                                                  "); keep one layout per directory")
                  .with_file(dir));
}

// A <timestamp>_<name> directory: the digits of its timestamp without leading zeros, compared
// by length then text, order the steps.
struct TimestampDir {
  std::string key;
  std::string name;
  fs::path path;
};

Result<std::optional<TimestampDir>> parse_timestamp_dir(const DirEntry& entry) {
  if (entry.name.empty() || entry.name.front() < '0' || entry.name.front() > '9') {
    return std::optional<TimestampDir>();
  }
  const std::size_t separator = entry.name.find('_');
  const std::string timestamp = entry.name.substr(0, separator);
  const bool well_formed = separator != std::string::npos && separator + 1 < entry.name.size() &&
                           std::all_of(timestamp.begin(), timestamp.end(),
                                       [](char c) { return (c >= '0' && c <= '9') || c == '-'; }) &&
                           is_valid_name(entry.name);
  if (!well_formed) {
    return fail(file_error(ErrorCode::invalid_input, entry.name + "/",
                           "malformed migration directory name; expected <timestamp>_<name>/ "
                           "holding up.sql (and optionally down.sql), e.g. "
                           "20240131120000_create_users/",
                           entry.path));
  }
  std::string digits;
  for (char c : timestamp) {
    if (c != '-') {
      digits += c;
    }
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  return std::optional<TimestampDir>(TimestampDir{digits, entry.name, entry.path});
}

Result<void> scan_timestamp_dirs(std::vector<TimestampDir> dirs, Scan& scan) {
  std::sort(dirs.begin(), dirs.end(), [](const TimestampDir& a, const TimestampDir& b) {
    return std::pair(a.key.size(), a.key) < std::pair(b.key.size(), b.key);
  });
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    const TimestampDir& dir = dirs[i];
    if (i > 0 && dirs[i - 1].key == dir.key) {
      return fail(file_error(ErrorCode::invalid_input, dir.name + "/",
                             "has the same timestamp as " + dirs[i - 1].name +
                                 "/; give each migration directory its own timestamp",
                             dir.path));
    }
    Candidate candidate;
    candidate.version = static_cast<int>(i + 1);
    candidate.version_digits = std::to_string(i + 1);
    candidate.name = dir.name;
    candidate.up_path = dir.path / "up.sql";
    candidate.up_display = dir.name + "/up.sql";
    std::error_code ec;
    if (!fs::is_regular_file(candidate.up_path, ec)) {
      return fail(file_error(ErrorCode::not_found, dir.name + "/",
                             "the migration directory has no up.sql; it must hold up.sql and "
                             "optionally down.sql",
                             dir.path));
    }
    if (fs::is_regular_file(dir.path / "down.sql", ec)) {
      candidate.down_path = dir.path / "down.sql";
      candidate.down_display = dir.name + "/down.sql";
    }
    scan.candidates.push_back(std::move(candidate));
  }
  return {};
}

struct NamedFile {
  FileName name;
  std::string file;
  fs::path path;
};

// Pairs up (V / .up) and undo (U / .down) files by version.
Result<void> scan_versioned_files(const std::vector<NamedFile>& files, Layout layout, Scan& scan) {
  std::map<int, const NamedFile*> ups;
  std::map<int, const NamedFile*> downs;
  for (const NamedFile& file : files) {
    auto& by_version = file.name.undo ? downs : ups;
    auto [it, inserted] = by_version.emplace(file.name.version, &file);
    if (!inserted) {
      return fail(file_error(ErrorCode::invalid_input, file.file,
                             "has the same version " + std::to_string(file.name.version) + " as " +
                                 it->second->file +
                                 "; give each migration its own version (leading zeros do not "
                                 "count)",
                             file.path));
    }
  }
  for (const auto& [version, down] : downs) {
    if (ups.count(version) == 0) {
      const std::string expected = layout == Layout::flyway
                                       ? "V" + std::to_string(version) + "__<name>.sql"
                                       : std::to_string(version) + "_<name>.up.sql";
      return fail(file_error(ErrorCode::invalid_input, down->file,
                             "undoes version " + std::to_string(version) + ", but there is no " +
                                 expected + "; add the migration or remove the undo file",
                             down->path));
    }
  }
  for (const auto& [version, up] : ups) {
    Candidate candidate;
    candidate.version = version;
    candidate.version_digits = up->name.version_digits;
    candidate.name = up->name.name;
    candidate.up_path = up->path;
    candidate.up_display = up->file;
    if (auto down = downs.find(version); down != downs.end()) {
      candidate.down_path = down->second->path;
      candidate.down_display = down->second->file;
    }
    scan.candidates.push_back(std::move(candidate));
  }
  return {};
}

// Finds the migrations of `dir` from the names of its entries, without reading the files.
Result<Scan> scan_directory(const std::string& dir) {
  SAFEMIG_TRY(std::vector<DirEntry> entries, list_directory(dir));
  Scan scan;
  std::string first_file;
  std::vector<NamedFile> files;
  std::vector<TimestampDir> dirs;
  for (const DirEntry& entry : entries) {
    if (entry.name.empty() || entry.name.front() == '.') {
      continue;
    }
    if (entry.directory) {
      SAFEMIG_TRY(std::optional<TimestampDir> parsed, parse_timestamp_dir(entry));
      if (!parsed) {
        continue;
      }
      SAFEMIG_TRY_VOID(note_layout(scan, Layout::directories, first_file, entry.name + "/", dir));
      dirs.push_back(std::move(*parsed));
    } else if (entry.regular && entry.name.size() > 4 && entry.name.ends_with(".sql")) {
      SAFEMIG_TRY(FileName parsed, parse_file_name(entry.name, entry.path));
      SAFEMIG_TRY_VOID(note_layout(scan, parsed.layout, first_file, entry.name, dir));
      files.push_back(NamedFile{std::move(parsed), entry.name, entry.path});
    } else if (!entry.regular && entry.name.ends_with(".sql")) {
      return fail(file_error(ErrorCode::not_found, entry.name,
                             "is not a regular file (a link to a missing file, or a device); "
                             "replace it with the migration file or remove it",
                             entry.path));
    }
  }
  if (scan.layout == Layout::directories) {
    SAFEMIG_TRY_VOID(scan_timestamp_dirs(std::move(dirs), scan));
  } else if (scan.layout) {
    SAFEMIG_TRY_VOID(scan_versioned_files(files, *scan.layout, scan));
  }
  return scan;
}

Result<std::string> read_text(const fs::path& path, const std::string& display) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (in) {
    out << in.rdbuf();
  }
  if (!in || in.bad()) {
    return fail(file_error(ErrorCode::io, display,
                           "cannot read the migration file (" + std::string(std::strerror(errno)) +
                               "); check that it exists and is readable",
                           path));
  }
  std::string text = std::move(out).str();
  if (text.find('\0') != std::string::npos) {
    return fail(file_error(ErrorCode::invalid_input, display,
                           "contains NUL bytes; a migration file must be SQL text", path));
  }
  return text;
}

// A migration file's text as its checksum sees it: without a UTF-8 byte order mark, with CRLF
// line ends as LF.
std::string checksum_text(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

// What the comment lines at the top of an up file declare.
struct Directives {
  bool transactional = true;
  bool rows_change = false;
  std::vector<std::string> touches;
  std::vector<std::string> verify;
};

Result<std::vector<std::string>> parse_table_list(std::string_view args) {
  SAFEMIG_TRY(std::vector<SqlToken> tokens, tokenize_sql(args));
  std::vector<std::string> tables;
  bool expect_name = true;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    const bool is_name =
        token.kind == SqlToken::Kind::word || token.kind == SqlToken::Kind::quoted_identifier;
    if (expect_name && is_name) {
      if (i + 2 < tokens.size() && tokens[i + 1].text == "." &&
          tokens[i + 1].kind == SqlToken::Kind::punctuation) {
        i += 2;
      }
      tables.push_back(tokens[i].text);
      expect_name = false;
    } else if (!expect_name && token.kind == SqlToken::Kind::punctuation && token.text == ",") {
      expect_name = true;
    } else {
      return fail(ErrorCode::invalid_input, "expected table names separated by commas");
    }
  }
  if (tables.empty() || expect_name) {
    return fail(ErrorCode::invalid_input, "expected table names separated by commas");
  }
  return tables;
}

// Applies one directive `body` (the text after "safemig:").
Result<void> apply_directive(std::string_view body, Directives& directives) {
  const std::size_t space = body.find_first_of(" \t");
  const std::string name(body.substr(0, space));
  const std::string args = space == std::string_view::npos ? "" : trim(body.substr(space));
  if (name == "no-transaction" || name == "rows-change") {
    if (!args.empty()) {
      return fail(ErrorCode::invalid_input, "-- safemig:" + name + " takes no arguments");
    }
    if (name == "no-transaction") {
      directives.transactional = false;
    } else {
      directives.rows_change = true;
    }
    return {};
  }
  if (name == "touches") {
    auto tables = parse_table_list(args);
    if (!tables) {
      return fail(ErrorCode::invalid_input, "-- safemig:touches: " + tables.error().message +
                                                ", e.g. "
                                                "-- safemig:touches users, orders");
    }
    directives.touches.insert(directives.touches.end(), tables->begin(), tables->end());
    return {};
  }
  if (name == "verify") {
    std::string query = args;
    while (!query.empty() && (query.back() == ';' || query.back() == ' ')) {
      query.pop_back();
    }
    if (query.empty()) {
      return fail(ErrorCode::invalid_input,
                  "-- safemig:verify needs a query, e.g. -- safemig:verify SELECT count(*) = 0 "
                  "FROM t WHERE v IS NULL");
    }
    directives.verify.push_back(std::move(query));
    return {};
  }
  return fail(ErrorCode::invalid_input,
              "unknown directive '-- safemig:" + name +
                  "'; the directives are no-transaction, touches, rows-change and verify");
}

// Reads the directives of `text`. With `allowed` false (undo files) any directive is an error.
Result<Directives> parse_directives(const std::string& text, bool allowed) {
  Directives directives;
  std::istringstream lines(text);
  std::string line;
  bool leading = true;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::string trimmed = trim(line);
    if (trimmed.empty() && leading) {
      continue;
    }
    std::optional<std::string> body;
    if (trimmed.starts_with("--")) {
      const std::string comment = trim(std::string_view(trimmed).substr(2));
      if (lower_ascii(comment).starts_with("safemig:")) {
        body = trim(comment.substr(8));
      }
    } else {
      leading = false;
    }
    if (!body) {
      continue;
    }
    const std::string where = "line " + std::to_string(number) + ": ";
    if (!allowed) {
      return fail(ErrorCode::invalid_input,
                  where +
                      "safemig directives belong at the top of the up file, not in an undo "
                      "file");
    }
    if (!leading) {
      return fail(ErrorCode::invalid_input,
                  where +
                      "safemig directives must be in the comment lines at the top of the "
                      "file, before the first statement");
    }
    auto applied = apply_directive(*body, directives);
    if (!applied) {
      return fail(applied.error().with_prefix("line " + std::to_string(number)));
    }
  }
  return directives;
}

bool word_at(const std::vector<SqlToken>& tokens, std::size_t i, std::string_view upper_word) {
  return i < tokens.size() && tokens[i].kind == SqlToken::Kind::word &&
         upper_ascii(tokens[i].text) == upper_word;
}

// The table name at tokens[i] ("schema.table" gives "table"), and the index after it.
std::optional<std::pair<std::string, std::size_t>> name_at(const std::vector<SqlToken>& tokens,
                                                           std::size_t i) {
  auto is_name = [&](std::size_t k) {
    return k < tokens.size() && (tokens[k].kind == SqlToken::Kind::word ||
                                 tokens[k].kind == SqlToken::Kind::quoted_identifier);
  };
  if (!is_name(i)) {
    return std::nullopt;
  }
  if (i + 2 < tokens.size() && tokens[i + 1].kind == SqlToken::Kind::punctuation &&
      tokens[i + 1].text == "." && is_name(i + 2)) {
    i += 2;
  }
  return std::pair(tokens[i].text, i + 1);
}

// Tables a script changes and whether it drops one, from its statements.
class ScriptAnalysis {
 public:
  void add_statement(const std::vector<SqlToken>& tokens) {
    if (word_at(tokens, 0, "CREATE")) {
      std::size_t i = 1;
      if (word_at(tokens, i, "TEMP") || word_at(tokens, i, "TEMPORARY")) {
        ++i;
      }
      if (word_at(tokens, i, "TRIGGER")) {
        return;  // Its body runs later, not now.
      }
      if (word_at(tokens, i, "TABLE")) {
        ++i;
        if (word_at(tokens, i, "IF") && word_at(tokens, i + 1, "NOT")) {
          i += 3;
        }
        if (auto name = name_at(tokens, i)) {
          created_.insert(lower_ascii(name->first));
        }
        return;
      }
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      scan_at(tokens, i);
    }
  }

  const std::vector<std::string>& tables() const { return tables_; }
  bool drops_table() const { return drops_table_; }

 private:
  void scan_at(const std::vector<SqlToken>& tokens, std::size_t i) {
    if (tokens[i].kind != SqlToken::Kind::word) {
      return;
    }
    const std::string word = upper_ascii(tokens[i].text);
    if (word == "ALTER" && word_at(tokens, i + 1, "TABLE")) {
      auto name = name_at(tokens, i + 2);
      if (!name) {
        return;
      }
      add(name->first);
      if (word_at(tokens, name->second, "RENAME") && word_at(tokens, name->second + 1, "TO")) {
        if (auto renamed = name_at(tokens, name->second + 2)) {
          created_.insert(lower_ascii(renamed->first));
        }
      }
    } else if (word == "DROP" && word_at(tokens, i + 1, "TABLE")) {
      std::size_t k = i + 2;
      if (word_at(tokens, k, "IF") && word_at(tokens, k + 1, "EXISTS")) {
        k += 2;
      }
      drops_table_ = true;
      if (auto name = name_at(tokens, k)) {
        add(name->first);
      }
    } else if (word == "INSERT" || word == "REPLACE" || word == "UPDATE") {
      std::size_t k = i + 1;
      if (word != "REPLACE" && word_at(tokens, k, "OR")) {
        k += 2;
      }
      if (word != "UPDATE") {
        if (!word_at(tokens, k, "INTO")) {
          return;
        }
        ++k;
      } else if (i > 0 && (word_at(tokens, i - 1, "ON") || word_at(tokens, i - 1, "DO"))) {
        return;  // ON UPDATE CASCADE, ON CONFLICT … DO UPDATE SET.
      }
      auto name = name_at(tokens, k);
      if (name && !(word == "UPDATE" && upper_ascii(name->first) == "SET")) {
        add(name->first);
      }
    } else if (word == "DELETE" && word_at(tokens, i + 1, "FROM")) {
      if (auto name = name_at(tokens, i + 2)) {
        add(name->first);
      }
    }
  }

  void add(const std::string& table) {
    const std::string key = lower_ascii(table);
    if (created_.count(key) > 0 || seen_.count(key) > 0) {
      return;
    }
    seen_.insert(key);
    tables_.push_back(table);
  }

  std::set<std::string> created_;  // Lower-cased names of tables the script itself creates.
  std::set<std::string> seen_;
  std::vector<std::string> tables_;
  bool drops_table_ = false;
};

// Rejects BEGIN/COMMIT/END/ROLLBACK: inside safemig's transaction they would commit part of a
// step or fail. SAVEPOINT, RELEASE and ROLLBACK TO are fine.
Result<void> check_no_transaction_control(const std::vector<SqlStatement>& statements) {
  for (const SqlStatement& statement : statements) {
    const auto& tokens = statement.tokens;
    const bool rollback_to = word_at(tokens, 0, "ROLLBACK") &&
                             (word_at(tokens, 1, "TO") ||
                              (word_at(tokens, 1, "TRANSACTION") && word_at(tokens, 2, "TO")));
    if (rollback_to) {
      continue;
    }
    for (std::string_view keyword : {"BEGIN", "COMMIT", "END", "ROLLBACK"}) {
      if (word_at(tokens, 0, keyword)) {
        return fail(ErrorCode::invalid_input,
                    "line " + std::to_string(statement.line) + ": " + std::string(keyword) +
                        " controls the transaction, but safemig runs each migration in its own "
                        "transaction; remove it, or put -- safemig:no-transaction on the first "
                        "line to run the file outside a transaction");
      }
    }
  }
  return {};
}

// Splits one script into its statements; an empty script is an error.
Result<std::vector<SqlStatement>> read_script(const std::string& text, const std::string& display,
                                              const fs::path& path) {
  auto statements = split_sql_script(text);
  if (!statements) {
    return fail(statements.error().with_prefix(display).with_file(path.string()));
  }
  if (statements->empty()) {
    return fail(file_error(ErrorCode::invalid_input, display,
                           "the migration file is empty (no SQL statements); write its "
                           "statements or delete the file",
                           path));
  }
  return std::move(*statements);
}

Result<MigrationStep> load_step(const Candidate& candidate) {
  MigrationStep step;
  step.version = candidate.version;
  step.name = candidate.name;

  SAFEMIG_TRY(std::string up, read_text(candidate.up_path, candidate.up_display));
  SAFEMIG_TRY(std::vector<SqlStatement> up_statements,
              read_script(up, candidate.up_display, candidate.up_path));
  auto directives = parse_directives(up, true);
  if (!directives) {
    return fail(
        directives.error().with_prefix(candidate.up_display).with_file(candidate.up_path.string()));
  }
  step.transactional = directives->transactional;
  step.row_policy = directives->rows_change ? RowPolicy::declared_change : RowPolicy::preserve;
  step.verify_sql = directives->verify;
  if (step.transactional) {
    auto checked = check_no_transaction_control(up_statements);
    if (!checked) {
      return fail(
          checked.error().with_prefix(candidate.up_display).with_file(candidate.up_path.string()));
    }
  }

  ScriptAnalysis up_analysis;
  for (const SqlStatement& statement : up_statements) {
    up_analysis.add_statement(statement.tokens);
  }
  std::set<std::string> seen;
  for (const std::string& table : directives->touches) {
    if (seen.insert(lower_ascii(table)).second) {
      step.touched_tables.push_back(table);
    }
  }
  for (const std::string& table : up_analysis.tables()) {
    if (seen.insert(lower_ascii(table)).second) {
      step.touched_tables.push_back(table);
    }
  }
  step.rebuilds_tables = up_analysis.drops_table();
  // The checksum covers what the up file says, not how it is stored: line endings and a byte
  // order mark (a Windows checkout) are not a change, and neither is adding or fixing its down
  // file, which runs only when asked for (as Flyway checksums undo files apart).
  step.definition = checksum_text(up);
  const std::string raw_up = up;
  step.earlier_checksums = {definition_checksum(raw_up)};
  step.up = std::move(up);

  if (candidate.down_path) {
    SAFEMIG_TRY(std::string down, read_text(*candidate.down_path, candidate.down_display));
    SAFEMIG_TRY(std::vector<SqlStatement> down_statements,
                read_script(down, candidate.down_display, *candidate.down_path));
    auto checked = parse_directives(down, false).and_then([&](const Directives&) {
      return step.transactional ? check_no_transaction_control(down_statements) : Result<void>();
    });
    if (!checked) {
      return fail(checked.error()
                      .with_prefix(candidate.down_display)
                      .with_file(candidate.down_path->string()));
    }
    ScriptAnalysis down_analysis;
    for (const SqlStatement& statement : down_statements) {
      down_analysis.add_statement(statement.tokens);
    }
    step.rebuilds_tables = step.rebuilds_tables || down_analysis.drops_table();
    // What earlier releases recorded: both files' bytes, separated by a NUL (they hold none).
    step.earlier_checksums.push_back(definition_checksum(raw_up + '\0' + down));
    step.earlier_checksums.push_back(
        definition_checksum(checksum_text(raw_up) + '\0' + checksum_text(down)));
    step.down = std::move(down);
  }
  return step;
}

}  // namespace

Result<MigrationSet> load_sql_directory(const std::string& dir) {
  SAFEMIG_TRY(Scan scan, scan_directory(dir));
  std::vector<MigrationStep> steps;
  steps.reserve(scan.candidates.size());
  for (const Candidate& candidate : scan.candidates) {
    SAFEMIG_TRY(MigrationStep step, load_step(candidate));
    SAFEMIG_TRY(step.expected_schema, read_schema_snapshot(dir, step.version));
    steps.push_back(std::move(step));
  }
  return MigrationSet::create(std::move(steps), dir);
}

Result<std::string> new_migration_file(const std::string& dir, const std::string& name) {
  if (!is_valid_name(name)) {
    return fail(ErrorCode::invalid_input,
                "malformed migration name '" + name +
                    "': use 1 to 200 letters, digits, '_', '-' or '.', e.g. add_users_email");
  }
  SAFEMIG_TRY(Scan scan, scan_directory(dir));
  if (scan.layout && *scan.layout != Layout::flyway) {
    return fail(Error(ErrorCode::invalid_input,
                      "the migration directory '" + dir + "' uses the " +
                          layout_name(*scan.layout) +
                          "; new files are V<n>__<name>.sql (Flyway), so create this one by "
                          "hand in that layout")
                    .with_file(dir));
  }
  int next = 1;
  std::size_t width = 1;
  if (!scan.candidates.empty()) {
    const Candidate& last = scan.candidates.back();
    if (last.version == 2147483647) {
      return fail(ErrorCode::invalid_input, "the highest version " + last.version_digits +
                                                " is the largest possible; no later version fits");
    }
    next = last.version + 1;
    if (last.version_digits.size() > 1 && last.version_digits.front() == '0') {
      width = last.version_digits.size();
    }
  }
  std::string digits = std::to_string(next);
  if (digits.size() < width) {
    digits.insert(0, width - digits.size(), '0');
  }
  const std::string file = "V" + digits + "__" + name + ".sql";
  const std::string path = (fs::path(dir) / file).string();
  const std::string contents = "-- " + file +
                               ": write the migration's SQL statements below, each ending "
                               "with ';'.\n\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    return fail(file_error(ErrorCode::io, file,
                           error == EEXIST
                               ? std::string("already exists; refusing to overwrite it")
                               : "cannot create the file (" + std::string(std::strerror(error)) +
                                     "); check the directory's permissions",
                           path));
  }
  const ssize_t written = ::write(fd, contents.data(), contents.size());
  const int write_error = errno;
  const bool closed = ::close(fd) == 0;
  if (written != static_cast<ssize_t>(contents.size()) || !closed) {
    std::error_code ec;
    fs::remove(path, ec);
    return fail(file_error(ErrorCode::io, file,
                           "cannot write the new file (" + std::string(std::strerror(write_error)) +
                               "); check the free space and permissions",
                           path));
  }
  return path;
}

}  // namespace safemig::migrate
