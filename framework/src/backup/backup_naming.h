// Backup naming: the file names of backups and of preserved failed databases, and their parsing.
//
//   <db>.backup-YYYYMMDD-HHMMSS-v<N>[-<label>]-<seq>[.gz]   (UTC; written by this release)
//   <db>.backup-YYYYMMDD-HHMMSS-v<N>[-<label>][-<n>][.gz]   (earlier releases; n >= 2)
//   <db>.failed-YYYYMMDD-HHMMSS[-<n>]
//
// N is a schema version, 0 to 2^63-1 (timestamps such as 20240313170000 included). A label is
// [A-Za-z0-9_]+ with at least one non-digit, so it never reads as a sequence; "wal", "shm" and
// "journal" are not labels, so SQLite's side files of a backup (<backup>-wal, <backup>-shm,
// <backup>-journal) never read as backups.
//
// A backup name is never used twice for one database, whatever is pruned in between and however
// the clock moves. Every backup carries a sequence number, seq, that only grows: the next one is
// one more than the highest of (a) the number recorded in <db>.safemig-backup-sequence and (b)
// every sequence in the names of the backups beside the database and of the files that outlive
// one (sidecars, SQLite side files). (a) outlives pruning and is written before a reserved name
// is used even for a temporary; (b) covers a sequence file that was lost or never written
// (backups of earlier releases). Since a history row and a journal name their backup by path,
// this keeps a path from ever designating a second file. The alternative — sub-second stamps
// checked against the names in the history table — would tie file naming to one database's
// history (a restore puts an older history back, and `safemig backup` writes none) and to a clock
// that can step backwards.
//
// Thread safety: pure functions, except choose_backup_path and read_backup_sequence, which use the
// file system; callers of choose_backup_path hold the single-writer lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "safemig/error.h"

namespace safemig::backup::internal {

using TimePoint = std::chrono::system_clock::time_point;

struct BackupName {
  TimePoint created_at;  // To the second.
  std::int64_t version = 0;
  std::string label;
  // The "-<seq>" suffix: >= 1 in every name this release writes; 0 for a name of an earlier
  // release without a suffix (>= 2 there was a collision counter within one second).
  std::int64_t sequence = 0;
  bool gzip = false;
};

// "YYYYMMDD-HHMMSS" of `t` in UTC.
std::string utc_stamp(TimePoint t);
// [A-Za-z0-9_]+ with at least one non-digit, and not one of SQLite's side-file suffixes.
bool is_valid_label(const std::string& label);

// The file name (no directory) of a backup of the database file named `db_base`; the "-<seq>"
// suffix is written when name.sequence >= 1.
std::string backup_file_name(const std::string& db_base, const BackupName& name);
// Parses `file_name` as a backup of `db_base`; nullopt when it is not one (sidecars, SQLite side
// files, temporary files and other databases' backups included).
std::optional<BackupName> parse_backup_name(const std::string& db_base,
                                            const std::string& file_name);

// What a file beside the database is to its backups: the backup itself, or one of the files that
// belong to a backup (SQLite's side files of it, its sidecar, a temporary of it).
enum class BackupFileKind { backup, sqlite_side_file, sidecar, temporary };
struct BackupFile {
  BackupName name;
  BackupFileKind kind = BackupFileKind::backup;
  std::string backup_file_name;  // The backup this file belongs to (itself for `backup`).
};
// Classifies `file_name`; nullopt when it belongs to no backup of `db_base`.
std::optional<BackupFile> classify_backup_file(const std::string& db_base,
                                               const std::string& file_name);

// SQLite's side files of a database or backup, as suffixes of its path.
inline constexpr const char* kSqliteSideFileSuffixes[] = {"-wal", "-shm", "-journal"};

// Path of the file recording the highest backup sequence of `db_path`.
std::string backup_sequence_path(const std::string& db_path);
// The sequence recorded for `db_path`; 0 when there is no sequence file. On failure: corrupt (the
// file does not hold a number; the message says how to recover), io.
Result<std::int64_t> read_backup_sequence(const std::string& db_path);

// Reserves a backup name for `db_path`: `name` with the next sequence (see above), such that
// neither the backup nor its sidecar exists. Records the sequence in the sequence file (written
// beside it, fsynced, renamed into place); the caller fsyncs the directory before the path is
// used elsewhere. Returns the name with its sequence and the full path.
// On failure: corrupt (a damaged sequence file), not_found (no directory), io.
Result<std::pair<BackupName, std::string>> choose_backup_path(const std::string& db_path,
                                                              BackupName name);

// "<db_path>.failed-YYYYMMDD-HHMMSS" with "-<sequence>" when sequence >= 2.
std::string failed_database_path(const std::string& db_path, TimePoint t, int sequence);

}  // namespace safemig::backup::internal
