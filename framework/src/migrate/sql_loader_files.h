// File-system access of the SQL-file loader: listing a migration directory and reading a
// migration file's text. std::filesystem errors are turned into Error values here.
//
// Thread safety: no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"

namespace safemig::migrate::loader {

struct DirEntry {
  std::string name;  // File name within the directory.
  std::filesystem::path path;
  bool directory = false;  // Following links.
  bool regular = false;    // A regular file, following links.
};

// The entries of `dir` sorted by name (byte order).
// Errors: not_found (no such directory), invalid_input (not a directory), io (unreadable).
Result<std::vector<DirEntry>> list_directory(const std::string& dir);

// True when `path` is a directory holding at least one entry; false when it cannot be read.
bool directory_has_entries(const std::filesystem::path& path);

// True when `path` is a regular file (following links).
bool is_regular(const std::filesystem::path& path);

// The whole text of a migration file; `display` names it in messages.
// Errors: io (cannot be read), invalid_input (holds NUL bytes: not SQL text).
Result<std::string> read_text(const std::filesystem::path& path, const std::string& display);

// A migration file's text as its checksum sees it: without a UTF-8 byte order mark, with CRLF
// line ends as LF (a Windows checkout of the same file is not a change).
std::string checksum_text(std::string_view text);

// "<display>: <what>", with the file as context.
Error file_error(ErrorCode code, const std::string& display, const std::string& what,
                 const std::filesystem::path& path);

}  // namespace safemig::migrate::loader
