// verify through run_cli: every check passing, and each kind of finding (exit 3).
#include <gmock/gmock.h>

#include <filesystem>

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

TEST_F(VerifyTest, NewCreatesTheNextFile) {
  write_two_steps();
  CliRun r = run({"--dir", dir, "new", "add_users"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("V3__add_users.sql"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/V3__add_users.sql"));
}

}  // namespace
}  // namespace safemig::cli::testing
