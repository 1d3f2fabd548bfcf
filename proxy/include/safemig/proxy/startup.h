// The proxy's startup against its database: take the single-writer lock for the process's
// lifetime and bring the schema to the version this build writes.
//
//   auto   SafeMigrationManager over the application's history: recover an interrupted step,
//          run the pending ones, each safely (a failure leaves the database as it was).
//   check  only verify that the database is at kLatestVersion with unedited steps (fleets
//          where one job migrates); nothing is written.
//   off    only take the lock.
//
// Thread safety: one thread; a DatabaseGuard is owned by main().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "safemig/db/writer_lock.h"
#include "safemig/error.h"
#include "safemig/migrate/version.h"
#include "safemig/proxy/migrate_mode.h"

namespace safemig::migrate {
class MigrationSet;
class SafeMigrationManager;
}  // namespace safemig::migrate

namespace safemig::proxy {

// Holds the single-writer lock of the database for as long as it lives.
// REQUIRES: it outlives every SQLite connection this process opens to the database (the
// recorder's): its destruction closes the lock's descriptor of the database file, which drops
// every fcntl lock the process holds on that file, a live connection's included
// (db/writer_lock.h, CONTRACT). main() declares it before the recorder for that reason.
class DatabaseGuard {
 public:
  DatabaseGuard(DatabaseGuard&&) noexcept;
  DatabaseGuard& operator=(DatabaseGuard&&) noexcept;
  ~DatabaseGuard();

  // The schema version found or reached; nullopt with --migrate off.
  std::optional<migrate::Version> schema_version() const { return schema_version_; }

 private:
  friend Result<DatabaseGuard> prepare_database(const std::string& db_path, MigrateMode mode);
  DatabaseGuard();

  // auto: the manager took the lock and keeps it until it is destroyed (see startup.cpp).
  std::unique_ptr<migrate::MigrationSet> set_;
  std::unique_ptr<migrate::SafeMigrationManager> manager_;
  // check, off: the lock taken directly.
  std::optional<db::WriterLock> lock_;
  std::optional<migrate::Version> schema_version_;
};

// Takes the lock and applies `mode`. On success the database is at the latest version (auto,
// check). Errors: locked naming the holder's pid when another writer runs; the migration's
// error (the database left as it was); failed_precondition when `check` finds another version;
// checksum_mismatch when an applied step was edited.
Result<DatabaseGuard> prepare_database(const std::string& db_path, MigrateMode mode);

}  // namespace safemig::proxy
