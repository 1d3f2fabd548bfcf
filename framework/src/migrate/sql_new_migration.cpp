// new_migration_file: a new, empty migration in the directory's own layout (see
// sql_file_loader.h).
//
// Thread safety: no shared state; the file is created with O_EXCL, so two concurrent calls
// never write the same file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "migrate/sql_loader_files.h"
#include "migrate/sql_loader_names.h"
#include "migrate/sql_loader_scan.h"
#include "safemig/migrate/sql_file_loader.h"
#include "safemig/utc_time.h"

namespace safemig::migrate {
namespace {

namespace fs = std::filesystem;
using loader::Candidate;
using loader::Layout;

struct NewFile {
  std::string name;  // Relative to the directory.
  std::string contents;
};

// Creates `file` in `dir`; never overwrites. Errors: io.
Result<std::string> create_file(const std::string& dir, const NewFile& file) {
  const std::string path = (fs::path(dir) / file.name).string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    return fail(loader::file_error(
        ErrorCode::io, file.name,
        error == EEXIST ? std::string("already exists; refusing to overwrite it")
                        : "cannot create the file (" + std::string(std::strerror(error)) +
                              "); check the directory's permissions",
        path));
  }
  const ssize_t written = ::write(fd, file.contents.data(), file.contents.size());
  const int write_error = errno;
  const bool closed = ::close(fd) == 0;
  if (written != static_cast<ssize_t>(file.contents.size()) || !closed) {
    std::error_code ec;
    fs::remove(path, ec);
    return fail(loader::file_error(ErrorCode::io, file.name,
                                   "cannot write the new file (" +
                                       std::string(std::strerror(write_error)) +
                                       "); check the free space and permissions",
                                   path));
  }
  return path;
}

// Creates every file in order (and `folder` first, if any); on failure removes what it made.
Result<std::string> create_files(const std::string& dir, const std::string& folder,
                                 const std::vector<NewFile>& files) {
  std::vector<std::string> made;
  auto undo = [&] {
    std::error_code ec;
    for (auto it = made.rbegin(); it != made.rend(); ++it) fs::remove(*it, ec);
  };
  if (!folder.empty()) {
    const std::string path = (fs::path(dir) / folder).string();
    if (::mkdir(path.c_str(), 0755) != 0) {
      const int error = errno;
      return fail(loader::file_error(
          ErrorCode::io, folder + "/",
          error == EEXIST ? std::string("already exists; refusing to overwrite it")
                          : "cannot create the folder (" + std::string(std::strerror(error)) +
                                "); check the directory's permissions",
          path));
    }
    made.push_back(path);
  }
  std::string first;
  for (const NewFile& file : files) {
    auto path = create_file(dir, file);
    if (!path) {
      undo();
      return fail(path.error());
    }
    if (first.empty()) first = *path;
    made.insert(made.begin() + (folder.empty() ? 0 : 1), *path);
  }
  return first;
}

// The current UTC time as strftime `format`.
std::string utc_now(const char* format) {
  return format_utc_time(std::chrono::system_clock::now(), format);
}

// The version after `highest`: a UTC timestamp YYYYMMDDHHMMSS when the layout numbers by time
// (`timestamps`, or a highest version of 14 digits), otherwise highest + 1 zero-padded like it.
Result<std::string> next_version(const std::optional<Candidate>& highest, bool timestamps,
                                 Version first) {
  if (highest && highest->version == std::numeric_limits<Version>::max()) {
    return fail(ErrorCode::invalid_input, "the highest version " + highest->version_text +
                                              " is the largest possible; no later version fits");
  }
  if (timestamps || (highest && highest->version_text.size() >= 14)) {
    const std::string now = utc_now("%Y%m%d%H%M%S");
    if (!highest || parse_version_number(now).value_or(0) > highest->version) {
      return now;
    }
    return std::to_string(highest->version + 1);
  }
  if (!highest) {
    return std::to_string(first);
  }
  std::string digits = std::to_string(highest->version + 1);
  const std::string& last = highest->version_text;
  if (last.size() > 1 && last.front() == '0' && digits.size() < last.size()) {
    digits.insert(0, last.size() - digits.size(), '0');
  }
  return digits;
}

}  // namespace

Result<std::string> new_migration_file(const std::string& dir, const std::string& name) {
  if (!loader::is_valid_name(name)) {
    return fail(ErrorCode::invalid_input,
                "malformed migration name '" + name +
                    "': use 1 to 200 letters, digits, '_', '-' or '.', e.g. add_users_email");
  }
  loader::Problems problems;
  SAFEMIG_TRY(loader::Scan scan, loader::scan_directory(dir, problems));
  if (!problems.empty()) {
    return fail(problems.combined(dir).with_prefix(
        "cannot add a migration until the directory's files are well formed"));
  }
  const Layout layout = scan.layout.value_or(Layout::flyway);
  std::optional<Candidate> highest;
  bool reversible = false;
  for (const Candidate& candidate : scan.candidates) {
    if (!highest || candidate.version > highest->version) highest = candidate;
    reversible = reversible || candidate.down.has_value();
  }
  switch (layout) {
    case Layout::flyway: {
      SAFEMIG_TRY(std::string v, next_version(highest, false, 1));
      const std::string file = "V" + v + "__" + name + ".sql";
      return create_files(dir, "",
                          {{file, "-- " + file +
                                      ": write the migration's SQL statements below, each ending "
                                      "with ';'.\n\n"}});
    }
    case Layout::golang_migrate: {
      SAFEMIG_TRY(std::string v, next_version(highest, false, 1));
      return create_files(dir, "",
                          {{v + "_" + name + ".up.sql", ""}, {v + "_" + name + ".down.sql", ""}});
    }
    case Layout::sqlx: {
      SAFEMIG_TRY(std::string v, next_version(highest, true, 1));
      if (reversible) {
        return create_files(
            dir, "",
            {{v + "_" + name + ".up.sql", "-- Add up migration script here\n"},
             {v + "_" + name + ".down.sql", "-- Add down migration script here\n"}});
      }
      return create_files(dir, "", {{v + "_" + name + ".sql", "-- Add migration script here\n"}});
    }
    case Layout::goose: {
      SAFEMIG_TRY(std::string v, next_version(highest, true, 1));
      return create_files(dir, "", {{v + "_" + name + ".sql", "-- +goose Up\n\n-- +goose Down\n"}});
    }
    case Layout::dbmate: {
      SAFEMIG_TRY(std::string v, next_version(highest, true, 1));
      return create_files(dir, "",
                          {{v + "_" + name + ".sql", "-- migrate:up\n\n\n-- migrate:down\n\n"}});
    }
    case Layout::diesel: {
      const std::string stamp = utc_now("%Y-%m-%d-%H%M%S");
      const std::string digits = utc_now("%Y%m%d%H%M%S");
      // Diesel compares versions as text.
      if (highest && highest->version_text >= digits) {
        return fail(Error(ErrorCode::invalid_input,
                          "the highest Diesel version " + highest->version_text +
                              " sorts after the current time " + digits +
                              " as text; create the folder "
                              "<version>_" +
                              name + "/ with up.sql and down.sql by hand, its version after " +
                              highest->version_text)
                        .with_file(dir));
      }
      const std::string folder = stamp + "_" + name;
      return create_files(
          dir, folder,
          {{folder + "/up.sql", "-- Your SQL goes here\n"},
           {folder + "/down.sql", "-- This file should undo anything in `up.sql`\n"}});
    }
  }
  return fail(ErrorCode::internal, "unknown migration layout");
}

}  // namespace safemig::migrate
