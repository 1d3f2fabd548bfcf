#include "safemig/migrate/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace safemig::migrate {
namespace {

Error io_error(const std::string& what, const std::string& path) {
  return Error(ErrorCode::io, what + " '" + path + "': " + std::strerror(errno) +
                                  "; check that the database directory is writable")
      .with_file(path);
}

Result<void> fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return fail(io_error("cannot open", path));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(io_error("cannot fsync", path));
  return {};
}

std::string parent_directory(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

Result<std::int64_t> parse_int(const std::map<std::string, std::string>& fields,
                               const std::string& key, const std::string& path) {
  auto it = fields.find(key);
  std::int64_t value = 0;
  if (it == fields.end() ||
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value).ec !=
          std::errc{}) {
    return fail(Error(ErrorCode::corrupt, "the migration journal '" + path + "' has no valid '" +
                                              key +
                                              "'; inspect it, restore the backup it "
                                              "names with 'safemig restore', then delete it")
                    .with_file(path));
  }
  return value;
}

}  // namespace

std::string journal_path(const std::string& db_path) { return db_path + ".safemig-journal"; }

Result<void> write_journal(const std::string& db_path, const JournalEntry& entry) {
  const std::string path = journal_path(db_path);
  const std::string tmp = path + ".tmp";
  std::ostringstream text;
  text << "version=" << entry.version << "\nname=" << entry.name
       << "\ndirection=" << to_string(entry.direction) << "\nfrom_version=" << entry.from_version
       << "\nto_version=" << entry.to_version << "\ntransactional=" << (entry.transactional ? 1 : 0)
       << "\nbackup=" << entry.backup_path << "\npid=" << entry.pid
       << "\nstarted_at=" << entry.started_at << "\n";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(io_error("cannot write the migration journal", tmp));
    out << text.str();
    out.flush();
    if (!out) return fail(io_error("cannot write the migration journal", tmp));
  }
  SAFEMIG_TRY_VOID(fsync_path(tmp, O_RDONLY));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(io_error("cannot rename the migration journal into place", path));
  }
  return fsync_path(parent_directory(path), O_RDONLY | O_DIRECTORY);
}

Result<std::optional<JournalEntry>> read_journal(const std::string& db_path) {
  const std::string path = journal_path(db_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<JournalEntry>{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(io_error("cannot read the migration journal", path));
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  JournalEntry entry;
  SAFEMIG_TRY(entry.version, parse_int(fields, "version", path));
  SAFEMIG_TRY(entry.from_version, parse_int(fields, "from_version", path));
  SAFEMIG_TRY(entry.to_version, parse_int(fields, "to_version", path));
  SAFEMIG_TRY(std::int64_t transactional, parse_int(fields, "transactional", path));
  entry.transactional = transactional != 0;
  entry.name = fields["name"];
  entry.direction = fields["direction"] == "down" ? Direction::down : Direction::up;
  entry.backup_path = fields["backup"];
  entry.started_at = fields["started_at"];
  std::from_chars(fields["pid"].data(), fields["pid"].data() + fields["pid"].size(), entry.pid);
  return std::optional<JournalEntry>(std::move(entry));
}

Result<void> remove_journal(const std::string& db_path) {
  const std::string path = journal_path(db_path);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return fail(io_error("cannot remove the migration journal", path));
  }
  return fsync_path(parent_directory(path), O_RDONLY | O_DIRECTORY);
}

}  // namespace safemig::migrate
