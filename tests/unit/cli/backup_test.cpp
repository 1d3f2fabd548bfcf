// backup, backups, restore and prune through run_cli.
#include <gmock/gmock.h>

#include <boost/json/parse.hpp>
#include <filesystem>

#include "cli_fixture.h"

namespace safemig::cli::testing {
namespace {

using safemig::testing::read_file;
using safemig::testing::write_file;
using ::testing::HasSubstr;

class BackupCommandsTest : public CliTest {
 protected:
  // Migrates and returns the path of a fresh backup taken by `backup`.
  std::string migrated_with_backup() {
    write_two_steps();
    EXPECT_EQ(run_sql({"migrate"}).code, 0);
    CliRun r = run_sql({"backup"});
    EXPECT_EQ(r.code, 0) << r;
    const auto start = r.out.find("backup: ");
    if (start == std::string::npos) return {};
    const auto end = r.out.find('\n', start);
    return r.out.substr(start + 8, end - start - 8);
  }
};

TEST_F(BackupCommandsTest, BackupWritesAVerifiedCopyWithItsChecksum) {
  const std::string backup = migrated_with_backup();
  ASSERT_FALSE(backup.empty());
  EXPECT_TRUE(std::filesystem::exists(backup));
  EXPECT_THAT(read_file(backup + ".sha256"), HasSubstr(std::filesystem::path(backup).filename()));
  EXPECT_THAT(backup, HasSubstr("app.db.backup-"));
  EXPECT_THAT(backup, ::testing::EndsWith("-v2"));
}

TEST_F(BackupCommandsTest, GzipBackup) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"backup", "--gzip"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(".gz\n"));
}

TEST_F(BackupCommandsTest, NoProgressBarWhenStderrIsNotATerminal) {
  migrated_with_backup();
  CliRun r = run_sql({"backup"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  EXPECT_EQ(r.err.find('\033'), std::string::npos);
}

TEST_F(BackupCommandsTest, ProgressBarAndColourOnATerminal) {
  env.stderr_is_terminal = true;
  migrated_with_backup();
  CliRun r = run_sql({"backup"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("\rbacking up ["));
  EXPECT_THAT(r.err, HasSubstr("100%"));
  CliRun bad = run_sql({"restore", tmp.file("missing")});
  EXPECT_THAT(bad.err, HasSubstr("\033[1;31merror:\033[0m"));
}

TEST_F(BackupCommandsTest, BackupsListsNewestFirstAndJsonParses) {
  const std::string backup = migrated_with_backup();
  CliRun text = run_sql({"backups"});
  ASSERT_EQ(text.code, 0) << text;
  EXPECT_THAT(text.out, ::testing::StartsWith("backup "));
  EXPECT_THAT(text.out, HasSubstr("\n" + backup + " "));
  CliRun json = run_sql({"backups", "--json"});
  ASSERT_EQ(json.code, 0) << json;
  const boost::json::value v = boost::json::parse(json.out);
  ASSERT_GE(v.as_array().size(), 3u);  // v0, v1 from migrate, v2 from backup.
  EXPECT_EQ(v.at(0).at("path").as_string(), backup);
  EXPECT_EQ(v.at(0).at("version").as_int64(), 2);
  EXPECT_EQ(v.at(0).at("sha256").as_string().size(), 64u);
}

TEST_F(BackupCommandsTest, RestoreKeepsABeforeRestoreCopy) {
  const std::string backup = migrated_with_backup();
  exec("INSERT INTO t(v) VALUES ('added after the backup');");
  CliRun r = run_sql({"restore", backup});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("restored "));
  EXPECT_THAT(r.out, HasSubstr("before_restore"));
  EXPECT_EQ(query("SELECT count(*) FROM t"), "0");
}

TEST_F(BackupCommandsTest, RestoreOfADamagedBackupIsRefused) {
  const std::string backup = migrated_with_backup();
  exec("INSERT INTO t(v) VALUES ('current');");
  std::string bytes = read_file(backup);
  bytes[bytes.size() / 2] ^= 0x01;
  write_file(backup, bytes);
  CliRun r = run_sql({"restore", backup});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("hint: the database was not changed"));
  EXPECT_THAT(r.err, HasSubstr("--force restores a backup whose .sha256 is missing or does not "
                               "match, or that fails integrity_check"));
  EXPECT_EQ(query("SELECT v FROM t"), "current");
}

TEST_F(BackupCommandsTest, RestoreOfAMissingFile) {
  migrated_with_backup();
  CliRun r = run_sql({"restore", tmp.file("nothing-here")});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

TEST_F(BackupCommandsTest, RestoreIntoAMissingDatabase) {
  const std::string backup = migrated_with_backup();
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  CliRun r = run_sql({"restore", backup});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(query("SELECT count(*) FROM pragma_table_info('t')"), "3");
}

TEST_F(BackupCommandsTest, PruneKeepsTheNewest) {
  const std::string newest = migrated_with_backup();
  CliRun r = run_sql({"prune", "--keep", "1"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("removed 2"));
  CliRun json = run_sql({"backups", "--json"});
  const boost::json::value v = boost::json::parse(json.out);
  ASSERT_EQ(v.as_array().size(), 1u);
  EXPECT_EQ(v.at(0).at("path").as_string(), newest);
}

}  // namespace
}  // namespace safemig::cli::testing
