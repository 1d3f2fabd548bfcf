// verify through run_cli: every check passing, and each kind of finding (exit 3).
#include <gmock/gmock.h>

#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_fixture.h"

namespace safemig::cli::testing {
namespace {

using safemig::testing::read_file;
using safemig::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

class VerifyTest : public CliTest {};

TEST_F(VerifyTest, AllChecksPassWithTheDefaultMigrations) {
  ASSERT_EQ(run_default({"migrate"}).code, 0);
  CliRun r = run_default({"verify"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ok: checksums of 2 applied step(s) match"));
  EXPECT_THAT(r.out, HasSubstr("ok: schema matches the expected schema of version 2"));
  EXPECT_THAT(r.out, HasSubstr("ok: quick_check"));
  EXPECT_THAT(r.out, HasSubstr("ok: foreign_key_check"));
  EXPECT_THAT(r.out, HasSubstr("ok: backup "));
  EXPECT_THAT(r.out, HasSubstr("ok: application data checks"));
  EXPECT_THAT(r.out, HasSubstr("verify: all checks passed"));
}

TEST_F(VerifyTest, DeepRunsIntegrityCheck) {
  ASSERT_EQ(run_default({"migrate"}).code, 0);
  CliRun r = run_default({"verify", "--deep"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ok: integrity_check"));
  EXPECT_THAT(r.out, HasSubstr("(sha256, integrity_check)"));
}

TEST_F(VerifyTest, SchemaDriftIsAFinding) {
  ASSERT_EQ(run_default({"migrate"}).code, 0);
  exec("CREATE TABLE stray(x INTEGER);");
  CliRun r = run_default({"verify"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("problem: schema differs from version 2: table stray"));
  EXPECT_THAT(r.err, HasSubstr("safemig: error: verify found 1 problem"));
}

TEST_F(VerifyTest, ApplicationFindingsAreReported) {
  ASSERT_EQ(run_default({"migrate"}).code, 0);
  findings = {"3 rows have negative prompt_tokens"};
  CliRun r = run_default({"verify"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("problem: 3 rows have negative prompt_tokens"));
}

TEST_F(VerifyTest, ApplicationFindingsOnlyWithTheDefaultMigrations) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  findings = {"not about this database"};
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("not about this database")));
  EXPECT_THAT(r.out, HasSubstr("note: no expected schema is declared for version 2"));
}

TEST_F(VerifyTest, ChangedStepExitsThreeNamingIt) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_migration("V2__add.sql", "ALTER TABLE t ADD COLUMN w INTEGER; -- edited\n");
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("problem: V2 add was changed after it was applied"));
  EXPECT_THAT(r.err, HasSubstr("applied migrations were changed: V2 add"));
}

TEST_F(VerifyTest, ForeignKeyViolationIsAFinding) {
  write_migration("V1__create.sql",
                  "CREATE TABLE p(id INTEGER PRIMARY KEY);\n"
                  "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));\n");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  exec("PRAGMA foreign_keys=OFF; INSERT INTO c(p_id) VALUES (42);");
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("problem: foreign key violation: table c row 1"));
}

TEST_F(VerifyTest, DamagedBackupIsAFinding) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun backups = run_sql({"backups"});
  const auto line_start = backups.out.find('\n') + 1;
  const std::string backup =
      backups.out.substr(line_start, backups.out.find(' ', line_start) - line_start);
  std::string bytes = read_file(backup);
  ASSERT_FALSE(bytes.empty()) << backup;
  bytes[bytes.size() - 1] ^= 0x40;
  write_file(backup, bytes);
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("problem: backup " + backup + ": "));
}

// The backups `backups --json` lists.
std::vector<std::string> backup_paths(const CliRun& json) {
  std::vector<std::string> out;
  const boost::json::value parsed = boost::json::parse(json.out);
  for (const auto& item : parsed.at("files").as_array()) {
    out.emplace_back(item.at("path").as_string());
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// verify used to take <backup>-wal and <backup>-shm, left by opening a backup with the sqlite3
// shell, for backups without a .sha256 and exit 3.
TEST_F(VerifyTest, SqliteSideFilesBesideBackupsAreNoFinding) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  const std::vector<std::string> backups = backup_paths(run_sql({"backups", "--json"}));
  ASSERT_EQ(backups.size(), 2u);
  for (const std::string& backup : backups) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) write_file(backup + suffix, "x");
  }
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_EQ(count_of(r.out, "ok: backup "), 2u) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("problem:")));
  EXPECT_THAT(r.out, Not(HasSubstr("has a backup's name")));
}

// Backups are single-file databases: opened and written with SQLite, they leave nothing beside
// them, and verify still passes for the ones only read.
TEST_F(VerifyTest, ABackupOpenedWithSqliteLeavesNothingBesideIt) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  const std::vector<std::string> backups = backup_paths(run_sql({"backups", "--json"}));
  ASSERT_EQ(backups.size(), 2u);
  for (const std::string& backup : backups) {
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(backup.c_str(), &handle), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(handle, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr),
              SQLITE_OK);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      EXPECT_FALSE(std::filesystem::exists(backup + suffix)) << backup << suffix;
    }
    sqlite3_close(handle);
  }
  for (const std::string& entry : {std::string("-wal"), std::string("-shm")}) {
    for (const std::string& backup : backups) {
      EXPECT_FALSE(std::filesystem::exists(backup + entry)) << backup << entry;
    }
  }
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_EQ(count_of(r.out, "ok: backup "), 2u) << r.out;
}

// A file with a backup's name whose .sha256 is gone is not a backup any more; verify says so
// instead of failing.
TEST_F(VerifyTest, ABackupNamedFileWithoutSidecarIsANote) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  const std::vector<std::string> backups = backup_paths(run_sql({"backups", "--json"}));
  ASSERT_EQ(backups.size(), 2u);
  ASSERT_TRUE(std::filesystem::remove(backups[1] + ".sha256"));
  CliRun r = run_sql({"verify"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("note: " + backups[1] + " has a backup's name but no .sha256"));
  EXPECT_EQ(count_of(r.out, "ok: backup "), 1u) << r.out;
}

TEST_F(VerifyTest, NewCreatesTheNextFile) {
  write_two_steps();
  CliRun r = run({"--dir", dir, "new", "add_users"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("V3__add_users.sql"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/V3__add_users.sql"));
}

}  // namespace
}  // namespace safemig::cli::testing
