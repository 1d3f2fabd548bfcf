#include "safemig/migrate/history.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "safemig/utc_time.h"

namespace safemig::migrate {

std::string_view to_string(Direction d) { return d == Direction::up ? "up" : "down"; }

namespace {

// Whether the history table has the version_name column (tables of earlier releases lack it).
Result<bool> has_version_name(db::Connection& conn) {
  SAFEMIG_TRY(std::int64_t count,
              conn.query_int("SELECT count(*) FROM pragma_table_info('_safemig_history') "
                             "WHERE name = 'version_name'"));
  return count > 0;
}

}  // namespace

Result<void> ensure_history_table(db::Connection& conn) {
  SAFEMIG_TRY_VOID(
      conn.execute_script("CREATE TABLE IF NOT EXISTS _safemig_history ("
                          " id INTEGER PRIMARY KEY,"
                          " version INTEGER NOT NULL CHECK (version >= 0),"
                          " name TEXT NOT NULL,"
                          " checksum TEXT NOT NULL,"
                          " direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),"
                          " applied_at TEXT NOT NULL,"
                          " duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
                          " backup_path TEXT NOT NULL DEFAULT '',"
                          " version_name TEXT NOT NULL DEFAULT '')"));
  SAFEMIG_TRY(bool has_name, has_version_name(conn));
  if (has_name) return {};
  return conn.execute_script(
      "ALTER TABLE _safemig_history ADD COLUMN version_name TEXT NOT NULL DEFAULT ''");
}

Result<std::vector<HistoryEntry>> read_history(db::Connection& conn) {
  SAFEMIG_TRY(std::int64_t exists,
              conn.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
                             {std::string(kHistoryTable)}));
  std::vector<HistoryEntry> entries;
  if (exists == 0) return entries;
  SAFEMIG_TRY(bool has_name, has_version_name(conn));
  SAFEMIG_TRY(
      auto rows,
      conn.query(std::string("SELECT id, version, name, checksum, direction, applied_at, "
                             "duration_ms, backup_path, ") +
                 (has_name ? "version_name" : "''") + " FROM _safemig_history ORDER BY id"));
  entries.reserve(rows.size());
  for (const db::Row& row : rows) {
    HistoryEntry e;
    e.id = row.int64(0);
    e.version = row.int64(1);
    e.name = row.text(2);
    e.checksum = row.text(3);
    e.direction = row.text(4) == "down" ? Direction::down : Direction::up;
    e.applied_at = row.text(5);
    e.duration_ms = row.int64(6);
    e.backup_path = row.text(7);
    e.version_name = row.text(8);
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::int64_t> append_history(db::Connection& conn, const HistoryEntry& entry) {
  SAFEMIG_TRY_VOID(conn.execute(
      "INSERT INTO _safemig_history (version, name, checksum, direction, applied_at, "
      "duration_ms, backup_path, version_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {entry.version, entry.name, entry.checksum, std::string(to_string(entry.direction)),
       entry.applied_at, entry.duration_ms, entry.backup_path, entry.version_name}));
  return conn.last_insert_id();
}

std::vector<HistoryEntry> applied_entries(const std::vector<HistoryEntry>& history) {
  std::map<Version, const HistoryEntry*> latest;
  for (const HistoryEntry& e : history) latest[e.version] = &e;
  std::vector<HistoryEntry> applied;
  for (const auto& [version, entry] : latest) {
    if (entry->direction == Direction::up) applied.push_back(*entry);
  }
  return applied;
}

Version current_version(const std::vector<HistoryEntry>& history) {
  const auto applied = applied_entries(history);
  return applied.empty() ? kNoVersion : applied.back().version;
}

Result<Version> read_current_version(db::Connection& conn) {
  SAFEMIG_TRY(auto history, read_history(conn));
  return current_version(history);
}

std::string utc_timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  return format_utc_time(now, "%Y-%m-%dT%H:%M:%S.") + millisecond_digits(now) + "Z";
}

}  // namespace safemig::migrate
