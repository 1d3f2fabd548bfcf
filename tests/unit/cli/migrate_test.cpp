// migrate, its dry run, and downgrade through run_cli; failures keep every row.
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cli_fixture.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/step.h"

namespace safemig::cli::testing {
namespace {

using safemig::testing::read_file;
using safemig::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

class MigrateTest : public CliTest {};

TEST_F(MigrateTest, AppliesEveryStep) {
  write_two_steps();
  CliRun r = run_sql({"migrate"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("applied V1 create"));
  EXPECT_THAT(r.out, HasSubstr("applied V2 add"));
  EXPECT_THAT(r.out, HasSubstr("at version 2"));
  EXPECT_EQ(query("SELECT count(*) FROM pragma_table_info('t')"), "3");
}

TEST_F(MigrateTest, NothingToApplyExitsZero) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("nothing to apply"));
}

// A step added below the applied ones (after merging a branch) would never run: every command
// names it, and migrate and downgrade refuse (a person renumbers it) without changing anything.
TEST_F(MigrateTest, AStepAddedBelowTheAppliedOnesIsNamedAndBlocksMigrateAndDowngrade) {
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n");
  write_migration("U1__create.sql", "DROP TABLE t;\n");
  write_migration("V5__add.sql", "ALTER TABLE t ADD COLUMN w INTEGER;\n");
  write_migration("U5__add.sql", "ALTER TABLE t DROP COLUMN w;\n");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_migration("V3__index.sql", "CREATE INDEX t_v ON t(v);\n");
  write_migration("U3__index.sql", "DROP INDEX t_v;\n");
  const std::string before = read_file(db);

  CliRun status = run_sql({"status"});
  EXPECT_EQ(status.code, 0) << status;
  EXPECT_THAT(status.out, HasSubstr("1 step below it not applied"));
  EXPECT_THAT(status.out, HasSubstr("V3 index is not applied but version 5 is"));
  CliRun migrate = run_sql({"migrate"});
  EXPECT_EQ(migrate.code, 3) << migrate;
  EXPECT_THAT(migrate.err, HasSubstr("give it a version above 5"));
  CliRun downgrade = run_sql({"downgrade", "--to", "3"});
  EXPECT_EQ(downgrade.code, 3) << downgrade;
  EXPECT_THAT(downgrade.err, HasSubstr("V3 index is not applied"));
  CliRun verify = run_sql({"verify"});
  EXPECT_EQ(verify.code, 3) << verify;
  EXPECT_THAT(verify.out, HasSubstr("problem: V3 index is not applied"));
  EXPECT_EQ(read_file(db), before);
  EXPECT_EQ(query("SELECT count(*) FROM pragma_table_info('t')"), "3");
}

// What an applied file says is checked, not how it is stored or whether it has a down file.
TEST_F(MigrateTest, LineEndingsAByteOrderMarkOrANewDownFileAreNoChange) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_migration("V1__create.sql",
                  "\xEF\xBB\xBF"
                  "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\r\n");
  write_migration("U2__add.sql", "ALTER TABLE t DROP COLUMN w;\n");
  CliRun status = run_sql({"status"});
  EXPECT_EQ(status.code, 0) << status;
  EXPECT_THAT(status.out, HasSubstr("\nchecksums: ok\n"));
  CliRun down = run_sql({"downgrade", "--to", "1"});
  EXPECT_EQ(down.code, 0) << down;
  EXPECT_EQ(query("SELECT count(*) FROM pragma_table_info('t')"), "2");
  // A changed statement still is one.
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);\r\n");
  EXPECT_EQ(run_sql({"migrate"}).code, 3);
}

// Steps applied by earlier releases recorded the raw bytes of the up and down files together.
TEST_F(MigrateTest, ChecksumsRecordedByEarlierReleasesStillMatch) {
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\r\n");
  write_migration("U1__create.sql", "DROP TABLE t;\r\n");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  migrate::MigrationStep former;
  former.definition = std::string("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\r\n") + '\0' +
                      "DROP TABLE t;\r\n";
  exec("UPDATE _safemig_history SET checksum = '" + former.checksum() + "'");
  CliRun status = run_sql({"status"});
  EXPECT_EQ(status.code, 0) << status;
  EXPECT_THAT(status.out, HasSubstr("\nchecksums: ok\n"));
  EXPECT_EQ(run_sql({"migrate"}).code, 0);
}

// The steps a run applied before a failing one are on record, with their backups.
TEST_F(MigrateTest, StepsAppliedBeforeAFailingOneAreReported) {
  write_two_steps();
  write_migration("V3__broken.sql", "CREATE TABLE oops(;\n");
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.out, HasSubstr("applied V1 create"));
  EXPECT_THAT(r.out, HasSubstr("applied V2 add"));
  EXPECT_THAT(r.out, HasSubstr("(backup: "));
  EXPECT_THAT(r.out, Not(HasSubstr("V3")));
  EXPECT_THAT(r.err, HasSubstr("the database is at version 2"));
}

TEST_F(MigrateTest, ADirectoryWithoutMigrationsIsAUsageErrorAndCreatesNothing) {
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("there are no migrations in"));
  EXPECT_THAT(r.err, HasSubstr("check --dir"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(MigrateTest, APartialBackupLeftByAKilledRunIsRemoved) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  const std::string partial = db + ".backup-20240101-000000-v1.partial";
  write_file(partial, "cut short");
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_FALSE(std::filesystem::exists(partial));
}

TEST_F(MigrateTest, ToStopsAtTheTarget) {
  write_two_steps();
  CliRun r = run_sql({"migrate", "--to", "1"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("V2")));
  EXPECT_EQ(query("SELECT count(*) FROM pragma_table_info('t')"), "2");
}

TEST_F(MigrateTest, DryRunPrintsThePlanAndCreatesNoFile) {
  write_two_steps();
  CliRun r = run_sql({"migrate", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("dry run"));
  EXPECT_THAT(r.out, HasSubstr("-- V1 create (up"));
  EXPECT_THAT(r.out, HasSubstr("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"));
  EXPECT_THAT(r.out, HasSubstr("ALTER TABLE t ADD COLUMN w INTEGER;"));
  // Only the migrations directory is there: no database, lock, journal or backup.
  const auto entries = std::distance(std::filesystem::directory_iterator(tmp.path()),
                                     std::filesystem::directory_iterator());
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_FALSE(std::filesystem::exists(db + ".writer.lock"));
}

TEST_F(MigrateTest, DryRunLeavesAnExistingDatabaseUntouched) {
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_migration("V2__add.sql", "ALTER TABLE t ADD COLUMN w INTEGER;\n");
  const std::string before = read_file(db);
  CliRun r = run_sql({"migrate", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("version 1 -> 2, 1 step"));
  EXPECT_THAT(r.out, Not(HasSubstr("V1 create")));
  EXPECT_EQ(read_file(db), before);
}

TEST_F(MigrateTest, FailingStepExitsOneAndKeepsEveryRow) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  exec(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
      "INSERT INTO t(v) SELECT 'v' || x FROM c;");
  const std::string schema_before = query("SELECT sql FROM sqlite_schema WHERE name = 't'");
  write_migration("V3__bad.sql",
                  "CREATE TABLE new_t(id INTEGER PRIMARY KEY, v TEXT NOT NULL, w INTEGER);\n"
                  "INSERT INTO new_t SELECT id, v, w FROM t;\n"
                  "DROP TABLE t;\n"
                  "ALTER TABLE new_t RENAME TO t;\n"
                  "INSERT INTO t(id, v) VALUES (1, 'duplicate');\n");
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("safemig: error: V3 bad failed at stage run"));
  EXPECT_THAT(r.err, HasSubstr("hint: the failed step was rolled back; the database is at "
                               "version 2 and nothing was lost"));
  EXPECT_EQ(query("SELECT count(*) FROM t"), "100");
  EXPECT_EQ(query("SELECT sql FROM sqlite_schema WHERE name = 't'"), schema_before);
}

TEST_F(MigrateTest, FileThatIsNotADatabaseIsLeftUntouched) {
  write_two_steps();
  const std::string text = "these are my notes, not a database\n";
  write_file(db, text);
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("safemig: error: "));
  EXPECT_THAT(r.err, HasSubstr("left untouched"));
  EXPECT_EQ(read_file(db), text);
  EXPECT_FALSE(std::filesystem::exists(db + "-wal"));
}

TEST_F(MigrateTest, DatabaseInAMissingDirectoryFailsAndCreatesNothing) {
  write_two_steps();
  write_file(tmp.file("plain-file"), "x");
  const std::string inside_a_file = tmp.file("plain-file") + "/app.db";
  CliRun r = run({"--db", inside_a_file, "--dir", dir, "migrate"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("safemig: error: "));
  EXPECT_EQ(read_file(tmp.file("plain-file")), "x");
}

TEST_F(MigrateTest, UnwritableDirectoryFailsAndCreatesNothing) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  write_two_steps();
  const std::string locked_dir = tmp.file("readonly");
  std::filesystem::create_directory(locked_dir);
  ::chmod(locked_dir.c_str(), 0555);
  CliRun r = run({"--db", locked_dir + "/app.db", "--dir", dir, "migrate"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("writable"));
  EXPECT_TRUE(std::filesystem::is_empty(locked_dir));
}

TEST_F(MigrateTest, ChangedAppliedStepExitsThreeNamingIt) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_migration("V2__add.sql", "ALTER TABLE t ADD COLUMN w TEXT;\n");
  write_migration("V3__more.sql", "CREATE TABLE u(id INTEGER);\n");
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("V2 add was changed after it was applied"));
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_schema WHERE name = 'u'"), "0");
}

TEST_F(MigrateTest, SecondWriterIsRefusedNamingTheFirst) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  auto lock = db::WriterLock::acquire(db, "test holder");
  ASSERT_TRUE(lock.has_value());
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("pid " + std::to_string(::getpid()) + " (test holder)"));
  EXPECT_EQ(query("SELECT count(*) FROM pragma_table_info('t')"), "2");
}

TEST_F(MigrateTest, DowngradeRunsDownSteps) {
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n");
  write_migration("V2__more.sql", "CREATE TABLE u(id INTEGER PRIMARY KEY);\n");
  write_migration("U2__more.sql", "DROP TABLE u;\n");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  exec("INSERT INTO t(v) VALUES ('kept');");
  CliRun r = run_sql({"downgrade", "--to", "1"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("undid V2 more"));
  EXPECT_THAT(r.out, HasSubstr("at version 1"));
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_schema WHERE name = 'u'"), "0");
  EXPECT_EQ(query("SELECT v FROM t"), "kept");
}

TEST_F(MigrateTest, DowngradeWithoutDownStepIsAUsageError) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"downgrade", "--to", "1"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("V2 add has no down step"));
}

TEST_F(MigrateTest, DowngradeOfAMissingDatabaseCreatesNothing) {
  write_two_steps();
  CliRun r = run_sql({"downgrade", "--to", "0"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

}  // namespace
}  // namespace safemig::cli::testing
