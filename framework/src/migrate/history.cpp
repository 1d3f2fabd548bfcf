#include "safemig/migrate/history.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>

namespace safemig::migrate {

std::string_view to_string(Direction d) { return d == Direction::up ? "up" : "down"; }

Result<void> ensure_history_table(db::Connection& conn) {
  return conn.execute_script(
      "CREATE TABLE IF NOT EXISTS _safemig_history ("
      " id INTEGER PRIMARY KEY,"
      " version INTEGER NOT NULL CHECK (version >= 0),"
      " name TEXT NOT NULL,"
      " checksum TEXT NOT NULL,"
      " direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),"
      " applied_at TEXT NOT NULL,"
      " duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
      " backup_path TEXT NOT NULL DEFAULT '')");
}

Result<std::vector<HistoryEntry>> read_history(db::Connection& conn) {
  SAFEMIG_TRY(std::int64_t exists,
              conn.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
                             {std::string(kHistoryTable)}));
  std::vector<HistoryEntry> entries;
  if (exists == 0) return entries;
  SAFEMIG_TRY(auto rows, conn.query("SELECT id, version, name, checksum, direction, applied_at, "
                                    "duration_ms, backup_path FROM _safemig_history ORDER BY id"));
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
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::int64_t> append_history(db::Connection& conn, const HistoryEntry& entry) {
  SAFEMIG_TRY_VOID(conn.execute(
      "INSERT INTO _safemig_history (version, name, checksum, direction, applied_at, "
      "duration_ms, backup_path) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {entry.version, entry.name, entry.checksum, std::string(to_string(entry.direction)),
       entry.applied_at, entry.duration_ms, entry.backup_path}));
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
  using namespace std::chrono;
  const auto now = time_point_cast<milliseconds>(system_clock::now());
  const std::time_t seconds = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(now.time_since_epoch().count() % 1000));
  return buf;
}

}  // namespace safemig::migrate
