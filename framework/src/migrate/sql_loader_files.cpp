// Implements sql_loader_files.h.
#include "migrate/sql_loader_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace safemig::migrate::loader {

namespace fs = std::filesystem;

Error file_error(ErrorCode code, const std::string& display, const std::string& what,
                 const fs::path& path) {
  return Error(code, display + ": " + what).with_file(path.string());
}

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

bool directory_has_entries(const fs::path& path) {
  std::error_code ec;
  fs::directory_iterator it(path, ec);
  return !ec && it != fs::directory_iterator();
}

bool is_regular(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
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

}  // namespace safemig::migrate::loader
