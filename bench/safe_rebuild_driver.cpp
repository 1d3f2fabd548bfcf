// bench_safe_rebuild: the safe side of benchmark 3 (timed by safe_rebuild.sh).
//
//   bench_safe_rebuild init DB   creates DB at V1: the table `events` and its time index.
//   bench_safe_rebuild run DB    runs V2 through SafeMigrationManager with every safety stage on
//                                and prints how long each stage took.
//
// V2 adds CHECK constraints to `events` with SQLite's table rebuild (create new_events, copy,
// drop, rename, recreate the index): exactly the table Alembic's batch_alter_table builds in
// alembic_rebuild.py. The safe run adds the verified file backup, the journal, the backup table
// `_safemig_backup_v1_events`, validation against the expected schema, quick_check,
// foreign_key_check, the row-count policy, the verify SQL and the history row.
//
// The breakdown comes from ManagerOptions::before_stage, which the manager calls as each stage
// begins: a stage's time is the gap to the next stage's start.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/migrate/safe_migration_manager.h"
#include "safemig/schema/schema.h"

namespace {

using safemig::Result;
using safemig::migrate::MigrationStep;
using safemig::migrate::Stage;
using Clock = std::chrono::steady_clock;

constexpr const char* kColumns = R"sql(  id INTEGER PRIMARY KEY,
  timestamp_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  success INTEGER NOT NULL,
  response_time_ms INTEGER NOT NULL,
  prompt_tokens INTEGER,
  completion_tokens INTEGER)sql";

constexpr const char* kColumnList =
    "id, timestamp_ms, model, success, response_time_ms, prompt_tokens, completion_tokens";

constexpr const char* kIndex = "CREATE INDEX events_by_time ON events (timestamp_ms);\n";

const std::vector<std::string> kChecks = {"response_time_ms >= 0", "prompt_tokens >= 0",
                                          "completion_tokens >= 0"};

safemig::schema::Schema events_schema(bool with_checks) {
  return safemig::schema::SchemaBuilder()
      .table("events",
             [&](safemig::schema::TableBuilder& t) {
               t.column("id", "INTEGER").primary_key();
               t.column("timestamp_ms", "INTEGER").not_null();
               t.column("model", "TEXT").not_null();
               t.column("success", "INTEGER").not_null();
               t.column("response_time_ms", "INTEGER").not_null();
               t.column("prompt_tokens", "INTEGER");
               t.column("completion_tokens", "INTEGER");
               if (with_checks) {
                 for (const std::string& c : kChecks) t.check(c);
               }
               t.index("events_by_time", {"timestamp_ms"});
             })
      .build();
}

std::vector<MigrationStep> steps() {
  MigrationStep v1;
  v1.version = 1;
  v1.name = "create_events";
  v1.up = "CREATE TABLE events (\n" + std::string(kColumns) + "\n);\n" + kIndex;
  v1.expected_schema = events_schema(false);

  std::string up = "CREATE TABLE new_events (\n" + std::string(kColumns);
  for (const std::string& c : kChecks) up += ",\n  CHECK (" + c + ")";
  up += "\n);\nINSERT INTO new_events (" + std::string(kColumnList) + ")\nSELECT " + kColumnList +
        " FROM events;\nDROP TABLE events;\nALTER TABLE new_events RENAME TO events;\n" + kIndex;
  MigrationStep v2;
  v2.version = 2;
  v2.name = "add_event_checks";
  v2.touched_tables = {"events"};
  v2.up = up;
  v2.rebuilds_tables = true;
  v2.verify_sql = {"SELECT count(*) = 0 FROM events WHERE response_time_ms < 0"};
  v2.expected_schema = events_schema(true);
  std::vector<MigrationStep> all;
  all.push_back(std::move(v1));
  all.push_back(std::move(v2));
  return all;
}

int report_failure(const safemig::Error& e) {
  std::fprintf(stderr, "bench_safe_rebuild: %s\n", e.describe().c_str());
  return 1;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string_view(argv[1]) != "init" && std::string_view(argv[1]) != "run")) {
    std::fprintf(stderr, "usage: bench_safe_rebuild init|run DB\n");
    return 2;
  }
  const bool init = std::string_view(argv[1]) == "init";
  auto set = safemig::migrate::MigrationSet::create(steps(), "bench_safe_rebuild");
  if (!set) return report_failure(set.error());

  std::vector<std::pair<Stage, Clock::time_point>> marks;
  safemig::migrate::ManagerOptions options;
  options.db_path = argv[2];
  options.command = "bench_safe_rebuild";
  options.before_stage = [&marks](Stage stage, const MigrationStep&) -> Result<void> {
    marks.emplace_back(stage, Clock::now());
    return {};
  };
  const auto started = Clock::now();
  auto manager = safemig::migrate::SafeMigrationManager::open(*set, options);
  if (!manager) return report_failure(manager.error());
  const auto opened = Clock::now();
  auto report = (*manager)->migrate(init ? 1 : 2);
  if (!report) return report_failure(report.error());
  const auto migrated = Clock::now();
  manager->reset();  // Closing checkpoints the WAL, as the migrating process would on exit.
  const auto closed = Clock::now();
  if (init) return 0;

  // Stage durations (ms), one line per stage, then the totals; read by safe_rebuild.sh.
  std::printf("open (lock, connection, journal check)  %10.1f\n", ms_between(started, opened));
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const auto end = i + 1 < marks.size() ? marks[i + 1].second : migrated;
    std::string name(safemig::migrate::to_string(marks[i].first));
    if (i + 1 == marks.size()) name += " (+ journal removal, retention)";
    std::printf("%-40s %10.1f\n", name.c_str(), ms_between(marks[i].second, end));
  }
  std::printf("close (WAL checkpoint)                   %10.1f\n", ms_between(migrated, closed));
  std::printf("total                                    %10.1f\n", ms_between(started, closed));
  return 0;
}
