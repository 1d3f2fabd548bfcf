// The migration journal: a sidecar file `<db>.safemig-journal` naming the step in progress and
// its file backup, written (and fsynced) before a step starts changing the database and removed
// after it committed. Finding one at start means a migrator died mid-step; the
// SafeMigrationManager then recovers instead of leaving a "dirty" database.
//
// Format: one `key=value` per line (version, name, direction, from_version, to_version,
// transactional, backup, pid, started_at). Unknown keys are ignored.
//
// Thread safety: functions touch only the journal file; the caller holds the writer lock.
#pragma once

#include <optional>
#include <string>

#include "safemig/error.h"
#include "safemig/migrate/history.h"

namespace safemig::migrate {

struct JournalEntry {
  Version version = 0;
  std::string name;
  Direction direction = Direction::up;
  Version from_version = kNoVersion;  // Current version before the step.
  Version to_version = kNoVersion;    // Version the step leads to.
  bool transactional = true;
  std::string backup_path;
  long pid = 0;
  std::string started_at;
};

std::string journal_path(const std::string& db_path);
// Writes the journal atomically (temp file, fsync, rename, fsync directory).
Result<void> write_journal(const std::string& db_path, const JournalEntry& entry);
// The journal if one exists; nullopt when none. A journal that cannot be parsed is corrupt.
Result<std::optional<JournalEntry>> read_journal(const std::string& db_path);
// Removes the journal (and fsyncs the directory); no error when it does not exist.
Result<void> remove_journal(const std::string& db_path);

}  // namespace safemig::migrate
