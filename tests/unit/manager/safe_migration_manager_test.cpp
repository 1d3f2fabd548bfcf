// The safe run of one step, failure by failure: whatever fails, the database ends exactly as it
// was before the step, with every row.
#include "safemig/migrate/safe_migration_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "safemig/db/sqlite_connection.h"
#include "safemig/migrate/journal.h"
#include "support/database_snapshot.h"
#include "support/fault_connection.h"
#include "support/fault_vfs.h"
#include "support/matchers.h"
#include "support/temp_dir.h"
#include "test_steps.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::count_rows;
using ::safemig::testing::database_snapshot;
using ::safemig::testing::ErrorIs;
using ::safemig::testing::FaultConnection;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

class SafeMigrationManagerTest : public ::testing::Test {
 protected:
  ManagerOptions options() {
    ManagerOptions o;
    o.db_path = db_;
    o.command = "test";
    return o;
  }

  // Migrates to version 2 and fills parent/child with rows (children ON DELETE CASCADE).
  void prepare_version_2(const MigrationSet& set) {
    auto manager = SafeMigrationManager::open(set, options());
    ASSERT_THAT(manager, IsOk());
    ASSERT_THAT((*manager)->migrate(2), IsOk());
    ASSERT_THAT(test_steps::populate((*manager)->connection(), 100, 3), IsOk());
  }

  // Brings the database to version 2 with rows, runs `variant` of the set to the latest version
  // and returns the result, after checking that the database is exactly as it was.
  Result<RunReport> migrate_variant_expecting_no_change(test_steps::Variant variant) {
    auto set = test_steps::parent_child_set(variant);
    if (!set) return fail(set.error());
    prepare_version_2(*set);
    const std::string before = database_snapshot(db_);
    Result<RunReport> result = fail(ErrorCode::internal, "the manager did not open");
    {
      auto manager = SafeMigrationManager::open(*set, options());
      if (!manager) return fail(manager.error());
      result = (*manager)->migrate();
      EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(2));
    }
    EXPECT_TRUE(database_snapshot(db_) == before) << "the database changed";
    EXPECT_FALSE(std::filesystem::exists(journal_path(db_)));
    return result;
  }

  // Runs `variant` in a child process, which the step kills mid-way, and returns the manager of
  // the next open (which recovers), after checking that the database is exactly as before.
  // Runs migrate from version 2 in a child process that dies in the middle of V3; returns the
  // database's snapshot from before.
  std::string kill_mid_step(test_steps::Variant variant) {
    auto set = test_steps::parent_child_set(variant);
    EXPECT_THAT(set, IsOk());
    set_ = std::move(*set);
    prepare_version_2(set_);
    const std::string before = database_snapshot(db_);
    pid_t child = ::fork();
    if (child == 0) {
      auto manager = SafeMigrationManager::open(set_, options());
      if (manager) (void)(*manager)->migrate();
      ::_exit(1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == test_steps::kDeathExitCode);
    EXPECT_TRUE(std::filesystem::exists(journal_path(db_)));
    return before;
  }

  std::unique_ptr<SafeMigrationManager> kill_mid_step_and_reopen(test_steps::Variant variant) {
    const std::string before = kill_mid_step(variant);
    auto manager = SafeMigrationManager::open(set_, options());
    EXPECT_THAT(manager, IsOk());
    if (!manager) return nullptr;
    EXPECT_FALSE(std::filesystem::exists(journal_path(db_)));
    EXPECT_THAT(
        (*manager)->connection().query_one("PRAGMA integrity_check").map([](const db::Row& r) {
          return r.text(0);
        }),
        IsOkAndHolds(std::string("ok")));
    EXPECT_TRUE(database_snapshot(db_) == before) << "the database changed";
    return std::move(*manager);
  }

  TempDir dir_;
  std::string db_ = dir_.file("app.db");
  MigrationSet set_ = *MigrationSet::create({});
};

TEST_F(SafeMigrationManagerTest, AppliesStepsRecordsHistoryAndKeepsBackups) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  auto report = (*manager)->migrate();
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->from_version, kNoVersion);
  EXPECT_EQ(report->to_version, 3);
  ASSERT_EQ(report->steps.size(), 3u);
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(3));
  EXPECT_THAT((*manager)->connection().query_int("PRAGMA user_version"), IsOkAndHolds(3));
  auto history = (*manager)->history();
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].name, "rebuild_parent");
  EXPECT_EQ((*history)[2].checksum, set->find(3)->checksum());
  for (const HistoryEntry& e : *history) {
    EXPECT_TRUE(std::filesystem::exists(e.backup_path)) << e.backup_path;
    EXPECT_TRUE(std::filesystem::exists(e.backup_path + ".sha256")) << e.backup_path;
  }
  EXPECT_FALSE(std::filesystem::exists(journal_path(db_)));
}

TEST_F(SafeMigrationManagerTest, RebuildWithPopulatedCascadeChildrenLosesNoChildRow) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  ASSERT_EQ(count_rows(db_, "child"), 297);
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(), IsOk());
  EXPECT_EQ(count_rows(db_, "parent"), 100);
  EXPECT_EQ(count_rows(db_, "child"), 297);
  EXPECT_THAT((*manager)->connection().query_int("PRAGMA foreign_keys"), IsOkAndHolds(1));
}

// Every stage fails in turn: the error names the stage, and the database is unchanged.
class StageFailureTest : public SafeMigrationManagerTest,
                         public ::testing::WithParamInterface<Stage> {};

TEST_P(StageFailureTest, DatabaseEndsExactlyAsBefore) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  const std::string before = database_snapshot(db_);
  ManagerOptions o = options();
  const Stage failing = GetParam();
  o.before_stage = [failing](Stage stage, const MigrationStep& step) -> Result<void> {
    if (stage == failing && step.version == 3) return fail(ErrorCode::io, "injected fault");
    return {};
  };
  auto manager = SafeMigrationManager::open(*set, o);
  ASSERT_THAT(manager, IsOk());
  EXPECT_THAT((*manager)->migrate(),
              ErrorIs(ErrorCode::io, AllOf(HasSubstr("V3 rebuild_parent failed at stage " +
                                                     std::string(to_string(failing))),
                                           HasSubstr("injected fault"))));
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(2));
  manager->reset();
  EXPECT_EQ(database_snapshot(db_), before);
  EXPECT_FALSE(std::filesystem::exists(journal_path(db_)));
}

INSTANTIATE_TEST_SUITE_P(EveryStage, StageFailureTest,
                         ::testing::Values(Stage::lock, Stage::file_backup, Stage::journal,
                                           Stage::backup_tables, Stage::run, Stage::validate_schema,
                                           Stage::validate_integrity, Stage::validate_foreign_keys,
                                           Stage::validate_rows, Stage::validate_verify_sql,
                                           Stage::record_history, Stage::commit),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

// A failure at an exact engine call, with everything else real.
struct EngineFault {
  const char* name;
  const char* sql_fragment;
  int occurrence;
  const char* stage;
};

class EngineFaultTest : public SafeMigrationManagerTest,
                        public ::testing::WithParamInterface<EngineFault> {};

TEST_P(EngineFaultTest, DatabaseEndsExactlyAsBefore) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  const std::string before = database_snapshot(db_);
  const EngineFault fault = GetParam();
  FaultConnection* faulty = nullptr;
  ManagerOptions o = options();
  o.open_connection = [&](const std::string& path) -> Result<std::unique_ptr<db::Connection>> {
    SAFEMIG_TRY(auto real, db::open_sqlite(path));
    auto wrapped = std::make_unique<FaultConnection>(std::move(real));
    if (faulty == nullptr) {
      wrapped->fail_on(fault.sql_fragment, fault.occurrence,
                       Error(ErrorCode::io, "disk I/O error (injected)"));
      faulty = wrapped.get();
    }
    return std::unique_ptr<db::Connection>(std::move(wrapped));
  };
  auto manager = SafeMigrationManager::open(*set, o);
  ASSERT_THAT(manager, IsOk());
  auto result = (*manager)->migrate();
  EXPECT_TRUE(faulty->fired()) << "the fault at '" << fault.sql_fragment << "' never fired";
  EXPECT_THAT(result, ErrorIs(ErrorCode::io, HasSubstr(std::string("V3 rebuild_parent failed at "
                                                                   "stage ") +
                                                       fault.stage)));
  manager->reset();
  EXPECT_EQ(database_snapshot(db_), before);
  EXPECT_FALSE(std::filesystem::exists(journal_path(db_)));
}

INSTANTIATE_TEST_SUITE_P(
    ExactCalls, EngineFaultTest,
    ::testing::Values(
        EngineFault{"checkpoint", "wal_checkpoint", 1, "file_backup"},
        EngineFault{"begin", "BEGIN", 1, "backup_tables"},
        EngineFault{"backup_table_copy", "AS SELECT", 1, "backup_tables"},
        EngineFault{"step_sql", "INSERT INTO new_parent", 1, "run"},
        EngineFault{"quick_check", "quick_check", 1, "validate_integrity"},
        EngineFault{"foreign_key_check", "foreign_key_check", 1, "validate_foreign_keys"},
        EngineFault{"history_insert", "INSERT INTO _safemig_history", 1, "record_history"},
        EngineFault{"commit", "COMMIT", 1, "commit"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// The disk itself fails while COMMIT writes the step's pages to the WAL: at its first frame, or
// after some frames were written without the commit marker.
struct DiskFault {
  const char* name;
  const char* file_suffix;
  int writes_before_failure;
  const char* stage;
};

class DiskFaultTest : public SafeMigrationManagerTest,
                      public ::testing::WithParamInterface<DiskFault> {
 protected:
  void TearDown() override { ::safemig::testing::FaultVfs::instance().disarm(); }
};

TEST_P(DiskFaultTest, DatabaseEndsExactlyAsBefore) {
  auto& vfs = ::safemig::testing::FaultVfs::instance();
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  const std::string before = database_snapshot(db_);
  ManagerOptions o = options();
  o.open_connection = [](const std::string& path) {
    db::SqliteOptions sqlite_options;
    sqlite_options.vfs = ::safemig::testing::FaultVfs::kName;
    return db::open_sqlite(path, sqlite_options);
  };
  auto manager = SafeMigrationManager::open(*set, o);
  ASSERT_THAT(manager, IsOk());
  vfs.fail_writes_after(GetParam().file_suffix, GetParam().writes_before_failure);
  EXPECT_THAT((*manager)->migrate(),
              ErrorIs(ErrorCode::io, HasSubstr(std::string("V3 rebuild_parent failed at stage ") +
                                               GetParam().stage)));
  EXPECT_GT(vfs.failures(), 0);
  vfs.disarm();
  manager->reset();
  EXPECT_EQ(database_snapshot(db_), before);
  EXPECT_FALSE(std::filesystem::exists(journal_path(db_)));
}

INSTANTIATE_TEST_SUITE_P(FailingDisk, DiskFaultTest,
                         ::testing::Values(DiskFault{"first_wal_write", "-wal", 0, "commit"},
                                           DiskFault{"fifth_wal_write", "-wal", 5, "commit"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(SafeMigrationManagerTest, FailedRollbackIsRepairedFromTheFileBackup) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  const std::string before = database_snapshot(db_);
  ManagerOptions o = options();
  bool first = true;
  o.open_connection = [&](const std::string& path) -> Result<std::unique_ptr<db::Connection>> {
    SAFEMIG_TRY(auto real, db::open_sqlite(path));
    auto wrapped = std::make_unique<FaultConnection>(std::move(real));
    if (first) {
      // The step fails, then its ROLLBACK fails too: the transaction stays open.
      wrapped->fail_on("ROLLBACK", 1, Error(ErrorCode::io, "rollback failed (injected)"));
      first = false;
    }
    return std::unique_ptr<db::Connection>(std::move(wrapped));
  };
  o.before_stage = [](Stage stage, const MigrationStep& step) -> Result<void> {
    if (stage == Stage::validate_rows && step.version == 3) {
      return fail(ErrorCode::constraint, "injected");
    }
    return {};
  };
  auto manager = SafeMigrationManager::open(*set, o);
  ASSERT_THAT(manager, IsOk());
  EXPECT_THAT((*manager)->migrate(),
              ErrorIs(ErrorCode::constraint, HasSubstr("restored from the file backup")));
  manager->reset();
  EXPECT_EQ(database_snapshot(db_), before);
  bool failed_copy_kept = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().filename().string().find("app.db.failed-") == 0) failed_copy_kept = true;
  }
  EXPECT_TRUE(failed_copy_kept);
}

TEST_F(SafeMigrationManagerTest, SchemaMismatchRollsBackWithTheDiff) {
  EXPECT_THAT(migrate_variant_expecting_no_change(test_steps::Variant::wrong_expected_schema),
              ErrorIs(ErrorCode::schema_mismatch,
                      AllOf(HasSubstr("stage validate_schema"), HasSubstr("table parent"),
                            HasSubstr("column nickname"))));
}

TEST_F(SafeMigrationManagerTest, RowLossUnderPreservePolicyRollsBack) {
  EXPECT_THAT(migrate_variant_expecting_no_change(test_steps::Variant::loses_rows),
              ErrorIs(ErrorCode::constraint,
                      AllOf(HasSubstr("stage validate_rows"),
                            HasSubstr("the step would remove data:\n  table parent: 1 row"))));
}

TEST_F(SafeMigrationManagerTest, OrphanedChildrenFailTheForeignKeyCheck) {
  EXPECT_THAT(migrate_variant_expecting_no_change(test_steps::Variant::orphans_children),
              ErrorIs(ErrorCode::constraint, AllOf(HasSubstr("stage validate_foreign_keys"),
                                                   HasSubstr("violate foreign keys"))));
}

TEST_F(SafeMigrationManagerTest, FalseVerifyQueryRollsBack) {
  EXPECT_THAT(migrate_variant_expecting_no_change(test_steps::Variant::failing_verify),
              ErrorIs(ErrorCode::constraint, AllOf(HasSubstr("stage validate_verify_sql"),
                                                   HasSubstr("did not return true"))));
}

TEST_F(SafeMigrationManagerTest, NonTransactionalStepFailingHalfwayIsRestoredFromBackup) {
  EXPECT_THAT(migrate_variant_expecting_no_change(test_steps::Variant::non_transactional_fails),
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("stage run"), HasSubstr("restored from the file backup"))));
}

TEST_F(SafeMigrationManagerTest, EditedAppliedStepBlocksMigrateNamingIt) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  auto edited = test_steps::parent_child_set(test_steps::Variant::edited_v2);
  ASSERT_THAT(edited, IsOk());
  auto manager = SafeMigrationManager::open(*edited, options());
  ASSERT_THAT(manager, IsOk());
  EXPECT_THAT((*manager)->migrate(),
              ErrorIs(ErrorCode::checksum_mismatch, HasSubstr("V2 add_email was changed")));
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(2));
  auto mismatches = (*manager)->checksum_mismatches();
  ASSERT_THAT(mismatches, IsOk());
  ASSERT_EQ(mismatches->size(), 1u);
  EXPECT_EQ(mismatches->front().version, 2);
}

TEST_F(SafeMigrationManagerTest, AStepBelowTheAppliedOnesBlocksMigrateAndDowngrade) {
  const auto step = [](int version, std::string name, std::string up, std::string down) {
    MigrationStep s;
    s.version = version;
    s.name = std::move(name);
    s.up = std::move(up);
    s.down = std::move(down);
    return s;
  };
  auto applied = MigrationSet::create({step(1, "t", "CREATE TABLE t(x);", "DROP TABLE t;"),
                                       step(5, "u", "CREATE TABLE u(y);", "DROP TABLE u;")},
                                      "test steps");
  ASSERT_THAT(applied, IsOk());
  {
    auto manager = SafeMigrationManager::open(*applied, options());
    ASSERT_THAT(manager, IsOk());
    ASSERT_THAT((*manager)->migrate(), IsOk());
  }
  auto merged = MigrationSet::create({step(1, "t", "CREATE TABLE t(x);", "DROP TABLE t;"),
                                      step(3, "v", "CREATE TABLE v(z);", "DROP TABLE v;"),
                                      step(5, "u", "CREATE TABLE u(y);", "DROP TABLE u;")},
                                     "test steps");
  ASSERT_THAT(merged, IsOk());
  auto manager = SafeMigrationManager::open(*merged, options());
  ASSERT_THAT(manager, IsOk());
  const auto names_v3 =
      ErrorIs(ErrorCode::checksum_mismatch, HasSubstr("V3 v is not applied but version 5 is"));
  EXPECT_THAT((*manager)->migrate(), names_v3);
  EXPECT_THAT((*manager)->downgrade(3), names_v3);
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(5));
  EXPECT_THAT((*manager)->connection().query_int(
                  "SELECT count(*) FROM sqlite_master WHERE name IN ('v', 'u')"),
              IsOkAndHolds(1));
}

TEST_F(SafeMigrationManagerTest, SecondManagerIsRefusedWhileTheFirstHoldsTheLock) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  auto first = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(SafeMigrationManager::open(*set, options()),
              ErrorIs(ErrorCode::locked, HasSubstr("pid " + std::to_string(::getpid()))));
}

TEST_F(SafeMigrationManagerTest, TwoMigratingProcessesApplyEachStepExactlyOnce) {
  auto set = test_steps::parent_child_set(test_steps::Variant::slow_v1);
  ASSERT_THAT(set, IsOk());
  pid_t children[2];
  for (pid_t& child : children) {
    child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto manager = SafeMigrationManager::open(*set, options());
      if (!manager) ::_exit(manager.error().code == ErrorCode::locked ? 10 : 1);
      ::_exit((*manager)->migrate() ? 0 : 1);
    }
  }
  int outcomes[2];
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    ::waitpid(children[i], &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    outcomes[i] = WEXITSTATUS(status);
  }
  EXPECT_TRUE(outcomes[0] == 0 || outcomes[1] == 0);
  for (int outcome : outcomes) EXPECT_TRUE(outcome == 0 || outcome == 10) << outcome;
  auto conn = db::open_sqlite(db_);
  ASSERT_THAT(conn, IsOk());
  EXPECT_THAT((*conn)->query_int("SELECT count(*) FROM _safemig_history"), IsOkAndHolds(3));
  EXPECT_THAT((*conn)->query_int("SELECT count(DISTINCT version) FROM _safemig_history"),
              IsOkAndHolds(3));
}

// A migrator killed in the middle of a transactional step: SQLite rolls the step back and the
// next open reports the recovery.
TEST_F(SafeMigrationManagerTest, KilledInsideTransactionIsRecoveredOnNextOpen) {
  auto manager = kill_mid_step_and_reopen(test_steps::Variant::dies_in_transaction);
  ASSERT_NE(manager, nullptr);
  ASSERT_TRUE(manager->recovery().has_value());
  EXPECT_EQ(manager->recovery()->version, 3);
  EXPECT_THAT(manager->recovery()->action, HasSubstr("rolled back"));
  EXPECT_EQ(manager->recovery()->version_after, 2);
}

// Killed in the middle of a step that runs outside a transaction: the next open restores the
// file backup.
TEST_F(SafeMigrationManagerTest, KilledOutsideTransactionIsRestoredOnNextOpen) {
  auto manager = kill_mid_step_and_reopen(test_steps::Variant::dies_outside_transaction);
  ASSERT_NE(manager, nullptr);
  ASSERT_TRUE(manager->recovery().has_value());
  EXPECT_THAT(manager->recovery()->action, HasSubstr("restored from its file backup"));
  EXPECT_FALSE(manager->recovery()->restored_from.empty());
  EXPECT_EQ(manager->recovery()->version_after, 2);
  EXPECT_THAT(manager->recovery()->failed_copy, HasSubstr("app.db.failed-"));
  EXPECT_TRUE(std::filesystem::exists(manager->recovery()->failed_copy));
}

// The backup the journal names cannot be restored: the database stays where the interrupted
// run left it (nothing is moved aside), and every later open says the same until a person acts.
TEST_F(SafeMigrationManagerTest, InterruptedStepWhoseBackupIsDamagedLeavesTheDatabaseInPlace) {
  kill_mid_step(test_steps::Variant::dies_outside_transaction);
  auto journal = read_journal(db_);
  ASSERT_THAT(journal, IsOk());
  ASSERT_TRUE(journal->has_value());
  {
    std::fstream backup((*journal)->backup_path, std::ios::in | std::ios::out | std::ios::binary);
    backup.seekp(5000);
    backup.put('\x5a');
  }
  const std::string interrupted = database_snapshot(db_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_THAT(
        SafeMigrationManager::open(set_, options()),
        ErrorIs(ErrorCode::failed_precondition, AllOf(HasSubstr("restoring its backup failed"),
                                                      HasSubstr("the database was not changed"),
                                                      HasSubstr("safemig restore FILE"))));
    EXPECT_EQ(database_snapshot(db_), interrupted);
    EXPECT_TRUE(std::filesystem::exists(journal_path(db_)));
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      EXPECT_EQ(entry.path().filename().string().find(".failed-"), std::string::npos)
          << entry.path();
    }
  }
}

TEST_F(SafeMigrationManagerTest, StairwayUpDownUpKeepsSchemaAndRows) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  prepare_version_2(*set);
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(), IsOk());
  manager->reset();
  const std::string at_latest = database_snapshot(db_);
  const std::string parents_at_latest =
      std::to_string(count_rows(db_, "parent")) + "/" + std::to_string(count_rows(db_, "child"));

  manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  auto down = (*manager)->downgrade(1);
  ASSERT_THAT(down, IsOk());
  EXPECT_EQ(down->to_version, 1);
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(1));
  EXPECT_EQ(count_rows(db_, "parent"), 100);
  EXPECT_EQ(count_rows(db_, "child"), 297);
  ASSERT_THAT((*manager)->migrate(), IsOk());
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(3));
  EXPECT_EQ(
      std::to_string(count_rows(db_, "parent")) + "/" + std::to_string(count_rows(db_, "child")),
      parents_at_latest);
}

TEST_F(SafeMigrationManagerTest, DowngradeBelowAStepWithoutDownIsRefused) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  auto manager = SafeMigrationManager::open(*set, options());
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT((*manager)->migrate(), IsOk());
  EXPECT_THAT((*manager)->downgrade(kNoVersion),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("V1 create_tables has no down step")));
  EXPECT_THAT((*manager)->current_version(), IsOkAndHolds(3));
}

TEST(Plan, UpgradeTargetsMustBeKnownVersionsAboveTheCurrentOne) {
  auto set = test_steps::parent_child_set();
  ASSERT_THAT(set, IsOk());
  EXPECT_THAT(plan_upgrade(*set, kNoVersion, 7),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("target version 7 is not a version")));
  EXPECT_THAT(plan_upgrade(*set, 3, 1),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("at version 3, above the target version 1; going down is a "
                                "downgrade")));
  EXPECT_THAT(plan_downgrade(*set, 1, 3),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("below the target version 3")));
  EXPECT_THAT(plan_downgrade(*set, 3, 9),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("target version 9 is not a version")));
  auto plan = plan_upgrade(*set, 1, std::nullopt);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->steps.size(), 2u);
  EXPECT_EQ(plan->steps[0]->version, 2);
  EXPECT_EQ(plan->to_version, 3);
}

}  // namespace
}  // namespace safemig::migrate
