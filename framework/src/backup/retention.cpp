// Implements safemig/backup/retention.h; the contract and the thread-safety rule are stated there.
#include "safemig/backup/retention.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "backup_naming.h"
#include "posix_file.h"
#include "sha256.h"

namespace safemig::backup {
namespace {

using internal::BackupFileKind;

struct Found {
  internal::BackupName name;
  BackupInfo info;
  std::int64_t modified_ns = 0;  // The file's modification time.
};

std::string join(const std::string& dir, const std::string& name) {
  std::string path = dir;
  path += '/';
  path += name;
  return path;
}

// Names carry the second a backup was taken, then its sequence, which grows with every backup
// (backup_naming.h). Names of earlier releases without a sequence, taken within one second (the
// steps of a quick migrate), are ordered by when their files were written, never by their names
// ("-v9" sorts after "-v10" as text). The modification time comes last because opening a backup
// with the sqlite3 shell may write to it.
bool newer_first(const Found& a, const Found& b) {
  if (a.name.created_at != b.name.created_at) return a.name.created_at > b.name.created_at;
  if (a.name.sequence != b.name.sequence) return a.name.sequence > b.name.sequence;
  if (a.modified_ns != b.modified_ns) return a.modified_ns > b.modified_ns;
  return a.info.path > b.info.path;
}

// The backups safemig wrote: a regular file named as a backup (backup_naming.h; SQLite's side
// files, temporaries and other databases' files never are) whose sidecar exists. Every backup is
// published after its sidecar (file_backup.cpp), so the sidecar is what tells a backup from a
// file that merely carries such a name. Those others go to `lookalikes` when it is given.
Result<std::vector<Found>> find_backups(const std::string& db_path,
                                        std::vector<std::string>* lookalikes = nullptr) {
  const std::string dir = internal::dir_name(db_path);
  const std::string base = internal::base_name(db_path);
  SAFEMIG_TRY(std::vector<std::string> entries,
              internal::list_directory(dir, "cannot list the backups in directory"));
  std::sort(entries.begin(), entries.end());
  std::vector<Found> found;
  for (const auto& entry : entries) {
    auto name = internal::parse_backup_name(base, entry);
    if (!name) continue;
    Found item{*name, {}, 0};
    item.info.path = join(dir, entry);
    struct stat st {};
    if (::lstat(item.info.path.c_str(), &st) != 0) continue;  // Removed meanwhile.
    if (!S_ISREG(st.st_mode) ||
        !std::binary_search(entries.begin(), entries.end(), internal::sidecar_path(entry))) {
      if (lookalikes != nullptr) lookalikes->push_back(item.info.path);
      continue;
    }
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

// Removes the backup at `path`, then SQLite's side files of it, then its sidecar. In this order
// an interruption leaves only files that belong to no backup, which remove_leftover_temporaries
// removes; never a backup without its sidecar, which would no longer be recognised.
Result<void> remove_backup_files(const std::string& path) {
  SAFEMIG_TRY_VOID(internal::remove_if_exists(path));
  for (const char* suffix : internal::kSqliteSideFileSuffixes) {
    SAFEMIG_TRY_VOID(internal::remove_if_exists(path + suffix));
  }
  SAFEMIG_TRY_VOID(internal::remove_if_exists(internal::sidecar_path(path)));
  return {};
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

Result<std::vector<std::string>> list_backup_lookalikes(const std::string& db_path) {
  std::vector<std::string> lookalikes;
  SAFEMIG_TRY_VOID(find_backups(db_path, &lookalikes));
  return lookalikes;
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
    SAFEMIG_TRY_VOID(remove_backup_files(path));
    spdlog::info("pruned backup {}", path);
    removed.push_back(path);
  }
  if (!removed.empty()) SAFEMIG_TRY_VOID(internal::fsync_directory(internal::dir_name(db_path)));
  return removed;
}

Result<std::vector<std::string>> remove_leftover_temporaries(const std::string& db_path) {
  const std::string dir = internal::dir_name(db_path);
  const std::string base = internal::base_name(db_path);
  SAFEMIG_TRY(std::vector<std::string> entries,
              internal::list_directory(dir, "cannot list the backups in directory"));
  std::sort(entries.begin(), entries.end());
  const std::string restore_copy = base + ".restore-tmp";
  const std::string sequence_partial =
      internal::base_name(internal::backup_sequence_path(db_path)) + ".partial";
  std::vector<std::string> removed;
  for (const std::string& entry : entries) {
    bool leftover = entry == restore_copy || entry == sequence_partial;
    if (auto file = internal::classify_backup_file(base, entry); file && !leftover) {
      // A sidecar or side file outlives its backup only when pruning was interrupted.
      leftover = file->kind == BackupFileKind::temporary ||
                 (file->kind != BackupFileKind::backup &&
                  !std::binary_search(entries.begin(), entries.end(), file->backup_file_name));
    }
    if (!leftover) continue;
    std::string path = join(dir, entry);
    SAFEMIG_TRY_VOID(internal::remove_if_exists(path));
    removed.push_back(std::move(path));
  }
  if (!removed.empty()) SAFEMIG_TRY_VOID(internal::fsync_directory(dir));
  return removed;
}

}  // namespace safemig::backup
