// Implements repeatables.h.
#include "safemig/migrate/repeatables.h"

#include <map>

namespace safemig::migrate {

Result<void> ensure_repeatables_table(db::Connection& conn) {
  return conn.execute_script(
      "CREATE TABLE IF NOT EXISTS _safemig_repeatables ("
      " id INTEGER PRIMARY KEY,"
      " name TEXT NOT NULL,"
      " checksum TEXT NOT NULL,"
      " applied_at TEXT NOT NULL,"
      " duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
      " backup_path TEXT NOT NULL DEFAULT '')");
}

Result<std::vector<RepeatableRun>> read_repeatable_runs(db::Connection& conn) {
  SAFEMIG_TRY(std::int64_t exists,
              conn.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
                             {std::string(kRepeatablesTable)}));
  std::vector<RepeatableRun> runs;
  if (exists == 0) return runs;
  SAFEMIG_TRY(auto rows, conn.query("SELECT id, name, checksum, applied_at, duration_ms, "
                                    "backup_path FROM _safemig_repeatables ORDER BY id"));
  runs.reserve(rows.size());
  for (const db::Row& row : rows) {
    RepeatableRun run;
    run.id = row.int64(0);
    run.name = row.text(1);
    run.checksum = row.text(2);
    run.applied_at = row.text(3);
    run.duration_ms = row.int64(4);
    run.backup_path = row.text(5);
    runs.push_back(std::move(run));
  }
  return runs;
}

Result<std::int64_t> append_repeatable_run(db::Connection& conn, const RepeatableRun& run) {
  SAFEMIG_TRY_VOID(conn.execute(
      "INSERT INTO _safemig_repeatables (name, checksum, applied_at, duration_ms, backup_path) "
      "VALUES (?, ?, ?, ?, ?)",
      {run.name, run.checksum, run.applied_at, run.duration_ms, run.backup_path}));
  return conn.last_insert_id();
}

std::vector<const MigrationStep*> pending_repeatables(const MigrationSet& set,
                                                      const std::vector<RepeatableRun>& runs) {
  std::map<std::string, std::string> latest;  // Name -> checksum of its latest run.
  for (const RepeatableRun& run : runs) latest[run.name] = run.checksum;
  std::vector<const MigrationStep*> pending;
  for (const MigrationStep& step : set.repeatables()) {
    auto it = latest.find(step.name);
    if (it == latest.end() || it->second != step.checksum()) pending.push_back(&step);
  }
  return pending;
}

}  // namespace safemig::migrate
