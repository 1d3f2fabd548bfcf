// status, history and schema through run_cli: text, JSON, and missing databases.
#include <gmock/gmock.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli_fixture.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/journal.h"
#include "support/database_snapshot.h"

namespace safemig::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class InspectTest : public CliTest {};

TEST_F(InspectTest, StatusShowsVersionAndPendingSteps) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("at version 1 of 2, 1 step pending"));
  EXPECT_THAT(r.out, HasSubstr("\nversion: 1\n"));
  EXPECT_THAT(r.out, HasSubstr("\nlatest: 2\n"));
  EXPECT_THAT(r.out, HasSubstr("\npending: V2 add\n"));
  EXPECT_THAT(r.out, HasSubstr("\nchecksums: ok\n"));
  EXPECT_THAT(r.out, HasSubstr("\nwriter lock: free\n"));
}

TEST_F(InspectTest, StatusJsonParses) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  CliRun r = run_sql({"status", "--json"});
  ASSERT_EQ(r.code, 0) << r;
  const boost::json::value v = boost::json::parse(r.out);
  EXPECT_EQ(v.at("version").as_int64(), 1);
  EXPECT_EQ(v.at("latest").as_int64(), 2);
  EXPECT_EQ(v.at("pending").as_array().size(), 1u);
  EXPECT_EQ(v.at("pending").at(0).at("name").as_string(), "add");
  EXPECT_EQ(v.at("layout").as_string(), "Flyway");
  EXPECT_TRUE(v.at("writer").is_null());
  EXPECT_TRUE(v.at("interrupted").is_null());
  EXPECT_TRUE(v.at("checksum_mismatches").as_array().empty());
}

TEST_F(InspectTest, StatusOfADatabaseWithNothingAppliedSaysNone) {
  write_two_steps();
  write_migration("U1__create.sql", "DROP TABLE t;\n");
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  ASSERT_EQ(run_sql({"downgrade", "--to", "0"}).code, 0);
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\nversion: none\n"));
  CliRun json = run_sql({"status", "--json"});
  EXPECT_TRUE(boost::json::parse(json.out).at("version").is_null()) << json;
}

TEST_F(InspectTest, StatusWhileAnotherWriterHoldsTheLockReadsAndSaysSo) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  auto lock = db::WriterLock::acquire(db, "safemig migrate");
  ASSERT_TRUE(lock.has_value());
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("open for writing by pid " + std::to_string(::getpid())));
  EXPECT_THAT(r.out, HasSubstr("\nversion: 2\n"));
}

// status only reads: a rollback-journal database stays byte for byte what it was, its journal
// mode included.
TEST_F(InspectTest, StatusChangesNothingInTheFile) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  exec("PRAGMA journal_mode=DELETE");
  const std::string before = ::safemig::testing::database_snapshot(db);
  const auto bytes = [this] {
    std::ifstream in(db, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string file_before = bytes();
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\nversion: 1\n"));
  EXPECT_EQ(bytes(), file_before);
  EXPECT_EQ(::safemig::testing::database_snapshot(db), before);
  EXPECT_EQ(query("PRAGMA journal_mode"), "delete");
}

TEST_F(InspectTest, StatusReportsChangedSteps) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);\n");
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("checksums: 1 applied step(s) changed"));
  EXPECT_THAT(r.out, HasSubstr("V1 create was changed"));
}

// status only reads: an interrupted run is reported, and left for the next writer to recover.
TEST_F(InspectTest, StatusReportsAnInterruptedStepAndLeavesItsRecoveryToTheNextWriter) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  migrate::JournalEntry journal;
  journal.version = 2;
  journal.name = "add";
  journal.from_version = 1;
  journal.to_version = 2;
  journal.transactional = true;
  journal.backup_path = db + ".backup-none";
  journal.pid = 1;
  ASSERT_TRUE(migrate::write_journal(db, journal).has_value());
  const std::string before = ::safemig::testing::database_snapshot(db);
  CliRun r = run_sql({"status"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("an interrupted run of V2 add awaits recovery: the next 'migrate'"));
  EXPECT_THAT(r.out, HasSubstr("\nversion: 1\n"));
  EXPECT_TRUE(std::filesystem::exists(migrate::journal_path(db)));
  EXPECT_EQ(::safemig::testing::database_snapshot(db), before);
  CliRun json = run_sql({"status", "--json"});
  EXPECT_EQ(boost::json::parse(json.out).at("interrupted").as_string(), "V2 add") << json;
  CliRun migrate = run_sql({"migrate", "--to", "1"});
  ASSERT_EQ(migrate.code, 0) << migrate;
  EXPECT_THAT(migrate.out, HasSubstr("recovered from an interrupted V2 add: "));
  EXPECT_FALSE(std::filesystem::exists(migrate::journal_path(db)));
  CliRun again = run_sql({"status", "--json"});
  EXPECT_TRUE(boost::json::parse(again.out).at("interrupted").is_null()) << again;
}

TEST_F(InspectTest, UnrecoverableJournalNeedsAPerson) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  migrate::JournalEntry journal;
  journal.version = 2;
  journal.name = "add";
  journal.from_version = 1;
  journal.to_version = 2;
  journal.transactional = false;
  journal.backup_path = tmp.file("no-such-backup");
  journal.pid = 1;
  ASSERT_TRUE(migrate::write_journal(db, journal).has_value());
  CliRun status = run_sql({"status"});
  EXPECT_EQ(status.code, 0) << status;
  EXPECT_THAT(status.out, HasSubstr("an interrupted run of V2 add awaits recovery"));
  CliRun r = run_sql({"migrate"});
  EXPECT_EQ(r.code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("safemig: error: an interrupted migration (V2 add)"));
}

TEST_F(InspectTest, ReadOnlyCommandsOnAMissingDatabaseCreateNothing) {
  write_two_steps();
  for (const char* command : {"status", "history", "schema", "verify", "backup"}) {
    CliRun r = run_sql({command});
    EXPECT_EQ(r.code, 1) << command << ": " << r;
    EXPECT_THAT(r.err, HasSubstr("does not exist; nothing was created")) << command;
    EXPECT_FALSE(std::filesystem::exists(db)) << command;
    EXPECT_FALSE(std::filesystem::exists(db + ".writer.lock")) << command;
  }
}

TEST_F(InspectTest, HistoryListsEveryStep) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"history"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("version  direction"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*\n2 +up +[0-9T:.Z-]+ +[0-9]+ ms +[0-9a-f]{12} +add\n"
                                  "  backup: app\\.db\\.backup-[0-9-]+v1-[0-9]+\n"));
}

TEST_F(InspectTest, HistoryJsonParses) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"history", "--json"});
  ASSERT_EQ(r.code, 0) << r;
  const boost::json::value v = boost::json::parse(r.out);
  ASSERT_EQ(v.as_array().size(), 2u);
  const auto& second = v.at(1);
  EXPECT_EQ(second.at("version").as_int64(), 2);
  EXPECT_EQ(second.at("name").as_string(), "add");
  EXPECT_EQ(second.at("direction").as_string(), "up");
  EXPECT_EQ(second.at("checksum").as_string().size(), 64u);
  EXPECT_TRUE(second.at("duration_ms").is_int64());
  EXPECT_TRUE(std::filesystem::exists(std::string(second.at("backup_path").as_string())));
}

TEST_F(InspectTest, HistoryOfAnEmptyDatabase) {
  exec("CREATE TABLE x(a);");
  CliRun r = run_sql({"history"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("no migration has been applied"));
}

TEST_F(InspectTest, SchemaTextAndJson) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun text = run_sql({"schema"});
  ASSERT_EQ(text.code, 0) << text;
  EXPECT_THAT(text.out, HasSubstr("t"));
  EXPECT_THAT(text.out, HasSubstr("w"));
  CliRun json = run_sql({"schema", "--json"});
  ASSERT_EQ(json.code, 0) << json;
  const boost::json::value v = boost::json::parse(json.out);
  EXPECT_EQ(v.at("tables").at("t").at("columns").as_array().size(), 3u);
  EXPECT_FALSE(v.at("tables").as_object().contains("_safemig_history"));
}

TEST_F(InspectTest, NotADatabaseIsAnErrorAndUntouched) {
  write_two_steps();
  const std::string text(4096, 'x');
  safemig::testing::write_file(db, text);
  for (const char* command : {"status", "history", "schema"}) {
    CliRun r = run_sql({command});
    EXPECT_EQ(r.code, 1) << command << ": " << r;
    EXPECT_EQ(safemig::testing::read_file(db), text) << command;
  }
}

}  // namespace
}  // namespace safemig::cli::testing

namespace safemig::cli::testing {
namespace {

using ::testing::HasSubstr;

class SchemaSnapshotTest : public CliTest {};

TEST_F(SchemaSnapshotTest, SnapshotThenDriftIsFoundByVerifyAndBlocksTheStepOnReplay) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate", "--to", "1"}).code, 0);
  const CliRun snapshot = run_sql({"schema", "snapshot"});
  ASSERT_EQ(snapshot.code, 0) << snapshot;
  EXPECT_THAT(snapshot.out, HasSubstr("V1.schema.json"));
  EXPECT_EQ(run_sql({"verify"}).code, 0);

  // The live table drifts from the reviewed snapshot: verify names the difference.
  exec("ALTER TABLE t ADD COLUMN stray TEXT");
  const CliRun drifted = run_sql({"verify"});
  EXPECT_EQ(drifted.code, 3) << drifted;
  EXPECT_THAT(drifted.out + drifted.err, HasSubstr("stray"));
}

TEST_F(SchemaSnapshotTest, SecondSnapshotNeedsForce) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  ASSERT_EQ(run_sql({"schema", "snapshot"}).code, 0);
  const CliRun again = run_sql({"schema", "snapshot"});
  EXPECT_EQ(again.code, 2) << again;
  EXPECT_THAT(again.err, HasSubstr("--force"));
  EXPECT_EQ(run_sql({"schema", "snapshot", "--force"}).code, 0);
}

TEST_F(SchemaSnapshotTest, SnapshotNeedsTheMigrationsDirectory) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  const CliRun no_dir = run({"--db", db, "schema", "snapshot"});
  EXPECT_EQ(no_dir.code, 2) << no_dir;
  EXPECT_THAT(no_dir.err, HasSubstr("needs the migrations directory"));
}

TEST_F(SchemaSnapshotTest, UnknownSchemaActionIsAUsageError) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  EXPECT_EQ(run_sql({"schema", "photograph"}).code, 2);
}

}  // namespace
}  // namespace safemig::cli::testing
