// backup, backups, restore and prune through run_cli, and how `history` shows backups.
#include <gmock/gmock.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.h"

namespace safemig::cli::testing {
namespace {

using safemig::testing::read_file;
using safemig::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

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
  EXPECT_THAT(backup, ::testing::MatchesRegex(".*app\\.db\\.backup-[0-9]{8}-[0-9]{6}-v2-[0-9]+"));
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
  const boost::json::value v = boost::json::parse(json.out).at("files");
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
  const boost::json::value v = boost::json::parse(json.out).at("files");
  ASSERT_EQ(v.as_array().size(), 1u);
  EXPECT_EQ(v.at(0).at("path").as_string(), newest);
}

// Paths of the backups `backups --json` lists, newest first.
std::vector<std::string> listed_paths(const CliRun& json) {
  std::vector<std::string> out;
  const boost::json::value parsed = boost::json::parse(json.out);
  for (const auto& item : parsed.at("files").as_array()) {
    out.emplace_back(item.at("path").as_string());
  }
  return out;
}

// Opening backups with the sqlite3 shell left <backup>-wal and -shm beside them: `prune --keep 2`
// then removed the real backups and kept side files, `backups` listed the side files and
// `verify` failed (exit 3) over their missing .sha256.
TEST_F(BackupCommandsTest, SqliteSideFilesOfBackupsAreNeverTakenForBackups) {
  const std::string newest = migrated_with_backup();
  const std::vector<std::string> backups = listed_paths(run_sql({"backups", "--json"}));
  ASSERT_EQ(backups.size(), 3u);  // v0 and v1 from migrate, v2 from backup.
  ASSERT_EQ(backups[0], newest);
  for (const std::string& backup : backups) {
    for (const char* suffix : {"-wal", "-shm"}) write_file(backup + suffix, "side file");
  }
  EXPECT_EQ(listed_paths(run_sql({"backups", "--json"})), backups);
  CliRun text = run_sql({"backups"});
  ASSERT_EQ(text.code, 0) << text;
  EXPECT_THAT(text.out, Not(HasSubstr("-wal")));
  EXPECT_THAT(text.out, Not(HasSubstr("-shm")));
  CliRun verify = run_sql({"verify"});
  EXPECT_EQ(verify.code, 0) << verify;

  CliRun keep_three = run_sql({"prune", "--keep", "3"});
  ASSERT_EQ(keep_three.code, 0) << keep_three;
  EXPECT_THAT(keep_three.out, HasSubstr("removed 0"));
  for (const std::string& backup : backups) EXPECT_TRUE(std::filesystem::exists(backup)) << backup;

  CliRun prune = run_sql({"prune", "--keep", "1"});
  ASSERT_EQ(prune.code, 0) << prune;
  EXPECT_THAT(prune.out, HasSubstr("removed 2"));
  EXPECT_EQ(listed_paths(run_sql({"backups", "--json"})), std::vector<std::string>{newest});
  for (const char* suffix : {"", "-wal", "-shm", ".sha256"}) {
    EXPECT_TRUE(std::filesystem::exists(newest + suffix)) << suffix;
    EXPECT_FALSE(std::filesystem::exists(backups[1] + suffix)) << suffix;
    EXPECT_FALSE(std::filesystem::exists(backups[2] + suffix)) << suffix;
  }
  EXPECT_EQ(run_sql({"verify"}).code, 0);
}

// Retention during migrate (keep 5) counts only real backups too: the side files of two backups
// used to outnumber them and the oldest real backup was removed.
TEST_F(BackupCommandsTest, RetentionDuringMigrateKeepsRealBackupsBesideSideFiles) {
  write_two_steps();
  write_migration("V3__more.sql", "ALTER TABLE t ADD COLUMN x INTEGER;\n");
  for (const char* target : {"1", "2"}) {
    ASSERT_EQ(run_sql({"migrate", "--to", target}).code, 0);
    const std::string newest = listed_paths(run_sql({"backups", "--json"})).front();
    for (const char* suffix : {"-wal", "-shm", "-journal"}) write_file(newest + suffix, "x");
  }
  const std::vector<std::string> before = listed_paths(run_sql({"backups", "--json"}));
  ASSERT_EQ(before.size(), 2u);
  CliRun migrate = run_sql({"migrate"});
  ASSERT_EQ(migrate.code, 0) << migrate;
  const std::vector<std::string> after = listed_paths(run_sql({"backups", "--json"}));
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[1], before[0]);
  EXPECT_EQ(after[2], before[1]);
  for (const std::string& backup : before) {
    for (const char* suffix : {"", ".sha256", "-wal", "-shm", "-journal"}) {
      EXPECT_TRUE(std::filesystem::exists(backup + suffix)) << backup << suffix;
    }
  }
}

class HistoryTextTest : public BackupCommandsTest {
 protected:
  void SetUp() override {
    write_migration("V1__" + std::string(120, 'n') + ".sql",
                    "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n");
    write_migration("V2__add.sql", "ALTER TABLE t ADD COLUMN w INTEGER;\n");
    write_migration("V3__more.sql", "ALTER TABLE t ADD COLUMN x INTEGER;\n");
    ASSERT_EQ(run_sql({"migrate"}).code, 0);
  }

  static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
};

TEST_F(HistoryTextTest, FitsOneHundredColumnsWithAShortChecksum) {
  CliRun json = run_sql({"history", "--json"});
  ASSERT_EQ(json.code, 0) << json;
  const boost::json::array rows = boost::json::parse(json.out).as_array();
  ASSERT_EQ(rows.size(), 3u);
  CliRun text = run_sql({"history"});
  ASSERT_EQ(text.code, 0) << text;
  const auto lines = lines_of(text.out);
  ASSERT_EQ(lines.size(), 7u) << text.out;  // The header, then two lines per step.
  for (const std::string& line : lines) EXPECT_LE(line.size(), 100u) << line;
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("version +direction +applied_at +duration +"
                                                "checksum +name"));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string checksum(rows[i].at("checksum").as_string());
    ASSERT_EQ(checksum.size(), 64u);
    EXPECT_THAT(lines[1 + 2 * i], HasSubstr("  " + checksum.substr(0, 12) + "  "));
    EXPECT_THAT(text.out, Not(HasSubstr(checksum)));
    const std::string backup(rows[i].at("backup_path").as_string());
    EXPECT_EQ(lines[2 + 2 * i], "  backup: " + std::filesystem::path(backup).filename().string());
    EXPECT_FALSE(rows[i].at("backup_pruned").as_bool());
  }
  // The long name is cut to what the line leaves; --json has it whole.
  EXPECT_THAT(lines[1], ::testing::EndsWith("nnn..."));
  EXPECT_EQ(rows[0].at("name").as_string(), std::string(120, 'n'));
}

TEST_F(HistoryTextTest, SaysWhichBackupsWerePruned) {
  CliRun prune = run_sql({"prune", "--keep", "1"});
  ASSERT_EQ(prune.code, 0) << prune;
  CliRun text = run_sql({"history"});
  ASSERT_EQ(text.code, 0) << text;
  const auto lines = lines_of(text.out);
  ASSERT_EQ(lines.size(), 7u) << text.out;
  EXPECT_THAT(lines[2], ::testing::EndsWith(" (pruned)"));
  EXPECT_THAT(lines[4], ::testing::EndsWith(" (pruned)"));
  EXPECT_THAT(lines[6], Not(HasSubstr("(pruned)")));
  for (const std::string& line : lines) EXPECT_LE(line.size(), 100u) << line;

  // A later backup in the same second gets a new name: the pruned rows stay pruned.
  ASSERT_EQ(run_sql({"backup"}).code, 0);
  CliRun json = run_sql({"history", "--json"});
  ASSERT_EQ(json.code, 0) << json;
  const boost::json::array rows = boost::json::parse(json.out).as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].at("backup_pruned").as_bool());
  EXPECT_TRUE(rows[1].at("backup_pruned").as_bool());
  EXPECT_FALSE(rows[2].at("backup_pruned").as_bool());
  EXPECT_EQ(rows[0].at("checksum").as_string().size(), 64u);
  EXPECT_FALSE(std::filesystem::exists(std::string(rows[0].at("backup_path").as_string())));
}

TEST_F(HistoryTextTest, SixtyFourBitVersionsFit) {
  write_migration("V20240313170000__" + std::string(90, 'z') + ".sql",
                  "ALTER TABLE t ADD COLUMN y INTEGER;\n");
  CliRun migrate = run_sql({"migrate"});
  ASSERT_EQ(migrate.code, 0) << migrate;
  CliRun text = run_sql({"history"});
  ASSERT_EQ(text.code, 0) << text;
  EXPECT_THAT(text.out, HasSubstr("\n20240313170000  "));
  EXPECT_THAT(text.out, HasSubstr("-v3-4\n"));
  for (const std::string& line : lines_of(text.out)) EXPECT_LE(line.size(), 100u) << line;
}

}  // namespace
}  // namespace safemig::cli::testing
