// Startup against the database: the writer lock and the schema version (see startup.h).
//
// Why the manager is kept alive in `auto` mode: SafeMigrationManager takes the writer lock in
// open() and releases it only when destroyed. Releasing it after the migration and taking a
// fresh WriterLock would leave a window in which another writer (a `safemig migrate`, a second
// proxy) could take the lock and change the schema under us. Keeping the manager — and with it
// the lock — for the whole process has no such window; its idle connection holds no read
// transaction, so it does not hinder the recorder's writes or checkpoints.
//
// Thread safety: one thread.
#include "safemig/proxy/startup.h"

#include <spdlog/spdlog.h>

#include "safemig/app/history.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/safe_migration_manager.h"

namespace safemig::proxy {

DatabaseGuard::DatabaseGuard() = default;
DatabaseGuard::DatabaseGuard(DatabaseGuard&&) noexcept = default;
DatabaseGuard& DatabaseGuard::operator=(DatabaseGuard&&) noexcept = default;
DatabaseGuard::~DatabaseGuard() = default;

namespace {

constexpr const char* kCommand = "metrics-proxy";

// Reads the version and refuses anything but the latest, unedited history.
Result<migrate::Version> check_version(const std::string& db_path,
                                       const migrate::MigrationSet& set) {
  db::SqliteOptions options;
  options.create = false;
  options.wal = false;  // Nothing is written while checking.
  SAFEMIG_TRY(auto connection, db::open_sqlite(db_path, options));
  SAFEMIG_TRY(auto history, migrate::read_history(*connection));
  SAFEMIG_TRY_VOID(migrate::check_definitions(
      set, history, "the database's applied migrations differ from this proxy's:"));
  const migrate::Version version = migrate::current_version(history);
  if (version != app::kLatestVersion) {
    return fail(ErrorCode::failed_precondition,
                "the database " + db_path + " is at schema version " +
                    migrate::version_text(version) + " but this proxy writes version " +
                    std::to_string(app::kLatestVersion) + "; run `safemig --db " + db_path +
                    " migrate` or start with --migrate auto");
  }
  return version;
}

// One log line per stage of a startup migration, as it ends: a slow start shows where its time
// went.
void log_stage(const migrate::StageEvent& event) {
  if (event.kind != migrate::StageEvent::Kind::end) return;
  const char* down = event.direction == migrate::Direction::down ? " (down)" : "";
  if (event.failed) {
    spdlog::warn("migration {}{}: stage {} failed after {} ms", event.step->label(), down,
                 migrate::to_string(event.stage), event.elapsed.count());
  } else {
    spdlog::info("migration {}{}: stage {} done in {} ms", event.step->label(), down,
                 migrate::to_string(event.stage), event.elapsed.count());
  }
}

}  // namespace

Result<DatabaseGuard> prepare_database(const std::string& db_path, MigrateMode mode) {
  DatabaseGuard guard;
  SAFEMIG_TRY(migrate::MigrationSet set, app::application_history());
  guard.set_ = std::make_unique<migrate::MigrationSet>(std::move(set));

  if (mode != MigrateMode::automatic) {
    // check and off work on an existing database only: never create one to lock it.
    SAFEMIG_TRY(db::WriterLock lock,
                db::WriterLock::acquire(db_path, kCommand, db::WriterLock::IfMissing::fail));
    guard.lock_.emplace(std::move(lock));
    if (mode == MigrateMode::check) {
      SAFEMIG_TRY(guard.schema_version_, check_version(db_path, *guard.set_));
    }
    return guard;
  }

  migrate::ManagerOptions options;
  options.db_path = db_path;
  options.command = kCommand;
  options.on_stage = log_stage;
  SAFEMIG_TRY(guard.manager_, migrate::SafeMigrationManager::open(*guard.set_, options));
  if (const auto& recovery = guard.manager_->recovery()) {
    spdlog::warn("recovered an interrupted migration step {}: {}", recovery->step,
                 recovery->action);
  }
  SAFEMIG_TRY(migrate::RunReport report, guard.manager_->migrate());
  for (const auto& step : report.steps) {
    spdlog::info("applied migration V{} {} in {} ms (backup {})", step.version, step.name,
                 step.duration.count(), step.backup_path);
  }
  SAFEMIG_TRY(const migrate::Version version, guard.manager_->current_version());
  if (version != app::kLatestVersion) {
    return fail(
        ErrorCode::failed_precondition,
        "the database " + db_path + " is at schema version " + migrate::version_text(version) +
            " after migrating; this proxy writes version " + std::to_string(app::kLatestVersion));
  }
  guard.schema_version_ = version;
  return guard;
}

}  // namespace safemig::proxy
