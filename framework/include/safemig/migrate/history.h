// The history table `_safemig_history`: one row per applied (up) or undone (down) step.
//
// The table is an append-only log. A version is applied when its latest row is 'up'; the
// current version is the highest applied one (kNoVersion when nothing is). The table is created
// inside the first step's transaction, so a failed first step leaves no trace.
//
// Thread safety: functions use the given connection only.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/migrate/version.h"

namespace safemig::migrate {

enum class Direction { up, down };
std::string_view to_string(Direction d);

struct HistoryEntry {
  std::int64_t id = 0;
  Version version = 0;
  std::string name;
  std::string checksum;
  Direction direction = Direction::up;
  std::string applied_at;  // ISO-8601 UTC, e.g. 2026-11-22T07:33:14.123Z
  std::int64_t duration_ms = 0;
  // The file backup taken before the step; empty when none was; a note in parentheses for a
  // row recorded without running the step ("(baseline)", "(taken over from golang-migrate)").
  std::string backup_path;
  // The step's version_name (Diesel's text version); empty when the version is its number.
  std::string version_name;

  // version_name, or the version's number.
  std::string shown_version() const {
    return version_name.empty() ? version_text(version) : version_name;
  }
};

// Whether a backup_path is such a note rather than a file.
inline bool is_backup_note(std::string_view backup_path) {
  return !backup_path.empty() && backup_path.front() == '(';
}

inline constexpr std::string_view kHistoryTable = "_safemig_history";

// Creates the history table if it does not exist, and adds the version_name column to one of an
// earlier release (call inside the step's transaction).
Result<void> ensure_history_table(db::Connection& conn);
// All rows, oldest first; empty when the table does not exist.
Result<std::vector<HistoryEntry>> read_history(db::Connection& conn);
// Appends a row; returns its id.
Result<std::int64_t> append_history(db::Connection& conn, const HistoryEntry& entry);
// The applied versions (latest row 'up'), ascending, with their 'up' entries.
std::vector<HistoryEntry> applied_entries(const std::vector<HistoryEntry>& history);
// The highest applied version, kNoVersion when none.
Version current_version(const std::vector<HistoryEntry>& history);
Result<Version> read_current_version(db::Connection& conn);

// Now, as ISO-8601 UTC with milliseconds.
std::string utc_timestamp_now();

}  // namespace safemig::migrate
