// Implements safemig/backup/retention.h; the contract and the thread-safety rule are stated there.
#include "safemig/backup/retention.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "backup_naming.h"
#include "posix_file.h"
#include "sha256.h"

namespace safemig::backup {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

struct Found {
  internal::BackupName name;
  BackupInfo info;
  std::int64_t modified_ns = 0;  // The file's modification time.
};

Result<std::vector<std::string>> directory_entries(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
  if (!handle) {
    return fail(internal::os_error(errno, "cannot list the backups in directory", dir));
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) {
        return fail(internal::os_error(errno, "cannot list the backups in directory", dir));
      }
      return names;
    }
    names.emplace_back(entry->d_name);
  }
}

// Names carry the second a backup was taken; backups of one second (the steps of a quick
// migrate, a restore and the backup it takes first) are ordered by when their files were
// written, never by their names ("-v9" sorts after "-v10" as text).
bool newer_first(const Found& a, const Found& b) {
  if (a.name.created_at != b.name.created_at) return a.name.created_at > b.name.created_at;
  if (a.modified_ns != b.modified_ns) return a.modified_ns > b.modified_ns;
  if (a.name.sequence != b.name.sequence) return a.name.sequence > b.name.sequence;
  return a.info.path > b.info.path;
}

Result<std::vector<Found>> find_backups(const std::string& db_path) {
  const std::string dir = internal::dir_name(db_path);
  const std::string base = internal::base_name(db_path);
  SAFEMIG_TRY(std::vector<std::string> entries, directory_entries(dir));
  std::vector<Found> found;
  for (const auto& entry : entries) {
    auto name = internal::parse_backup_name(base, entry);
    if (!name) continue;
    Found item{*name, {}, 0};
    item.info.path = dir;
    item.info.path += '/';
    item.info.path += entry;
    struct stat st {};
    if (::stat(item.info.path.c_str(), &st) != 0) continue;  // Removed meanwhile.
    item.modified_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    item.info.version = name->version;
    item.info.label = name->label;
    item.info.gzip = name->gzip;
    item.info.created_at = name->created_at;
    found.push_back(std::move(item));
  }
  std::sort(found.begin(), found.end(), newer_first);
  return found;
}

}  // namespace

Result<std::vector<BackupInfo>> list_backups(const std::string& db_path) {
  SAFEMIG_TRY(std::vector<Found> found, find_backups(db_path));
  std::vector<BackupInfo> out;
  out.reserve(found.size());
  for (auto& item : found) {
    SAFEMIG_TRY(auto fd, internal::open_file(item.info.path, O_RDONLY, 0, "cannot open backup"));
    SAFEMIG_TRY(item.info.size_bytes, internal::file_size(fd.get(), item.info.path));
    auto hash = internal::read_sidecar(item.info.path);
    if (hash) item.info.sha256 = *hash;
    out.push_back(std::move(item.info));
  }
  return out;
}

Result<std::vector<std::string>> prune_backups(const std::string& db_path, int keep) {
  if (keep < 1) {
    return fail(ErrorCode::invalid_input, "--keep must be at least 1 (got " + std::to_string(keep) +
                                              "): pruning never removes the newest backup");
  }
  SAFEMIG_TRY(std::vector<Found> found, find_backups(db_path));
  std::vector<std::string> removed;
  for (auto i = static_cast<std::size_t>(keep); i < found.size(); ++i) {
    const std::string& path = found[i].info.path;
    // The sidecar first: a backup without a sidecar is visibly unverifiable, a sidecar without
    // its backup would be a silent orphan.
    SAFEMIG_TRY_VOID(internal::remove_if_exists(internal::sidecar_path(path)));
    SAFEMIG_TRY_VOID(internal::remove_if_exists(path));
    spdlog::info("pruned backup {}", path);
    removed.push_back(path);
  }
  if (!removed.empty()) SAFEMIG_TRY_VOID(internal::fsync_directory(internal::dir_name(db_path)));
  return removed;
}

Result<std::vector<std::string>> remove_leftover_temporaries(const std::string& db_path) {
  const std::string dir = internal::dir_name(db_path);
  const std::string base = internal::base_name(db_path);
  SAFEMIG_TRY(std::vector<std::string> entries, directory_entries(dir));
  const std::string backup_prefix = base + ".backup-";
  const std::string restore_copy = base + ".restore-tmp";
  std::vector<std::string> removed;
  for (const std::string& entry : entries) {
    const bool partial_backup = entry.starts_with(backup_prefix) &&
                                (entry.ends_with(".partial") || entry.ends_with(".partial-raw"));
    if (!partial_backup && entry != restore_copy) continue;
    std::string path = dir;
    path += '/';
    path += entry;
    SAFEMIG_TRY_VOID(internal::remove_if_exists(path));
    removed.push_back(path);
  }
  if (!removed.empty()) SAFEMIG_TRY_VOID(internal::fsync_directory(dir));
  return removed;
}

}  // namespace safemig::backup
