// Backup naming: the file names of backups and of preserved failed databases, and their parsing.
//
//   <db>.backup-YYYYMMDD-HHMMSS-v<N>[-<label>][-<n>][.gz]   (UTC; n >= 2 only on a collision)
//   <db>.failed-YYYYMMDD-HHMMSS[-<n>]
//
// A label is [A-Za-z0-9_]+ with at least one non-digit, so it never reads as a collision suffix.
//
// Thread safety: pure functions, except choose_* which look at the file system.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "safemig/error.h"

namespace safemig::backup::internal {

using TimePoint = std::chrono::system_clock::time_point;

struct BackupName {
  TimePoint created_at;  // To the second.
  int version = 0;
  std::string label;
  int sequence = 1;  // 1 for no suffix, else the "-<n>" suffix.
  bool gzip = false;
};

// "YYYYMMDD-HHMMSS" of `t` in UTC.
std::string utc_stamp(TimePoint t);
bool is_valid_label(const std::string& label);

// The file name (no directory) of a backup of the database file named `db_base`.
std::string backup_file_name(const std::string& db_base, const BackupName& name);
// Parses `file_name` as a backup of `db_base`; nullopt when it is not one (sidecars, temporary
// files and other databases' backups included).
std::optional<BackupName> parse_backup_name(const std::string& db_base,
                                            const std::string& file_name);

// The first free backup path for `db_path` at `name.sequence` or later: neither the backup nor its
// sidecar exists. Returns the chosen name (with its sequence) and the full path.
Result<std::pair<BackupName, std::string>> choose_backup_path(const std::string& db_path,
                                                              BackupName name);

// "<db_path>.failed-YYYYMMDD-HHMMSS" with "-<sequence>" when sequence >= 2.
std::string failed_database_path(const std::string& db_path, TimePoint t, int sequence);

}  // namespace safemig::backup::internal
