// Tests of MigrationStep: label, checksum, body texts.
#include "safemig/migrate/step.h"

#include <gtest/gtest.h>

#include <set>

namespace safemig::migrate {
namespace {

MigrationStep sql_step() {
  MigrationStep step;
  step.version = 3;
  step.name = "rebuild_t";
  step.up = std::string("CREATE TABLE t(id INTEGER PRIMARY KEY);");
  return step;
}

TEST(MigrationStepTest, LabelNamesVersionAndName) { EXPECT_EQ(sql_step().label(), "V3 rebuild_t"); }

TEST(MigrationStepTest, ChecksumOfDefinitionIsItsSha256) {
  MigrationStep step = sql_step();
  step.definition = "abc";
  EXPECT_EQ(step.checksum(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MigrationStepTest, ChecksumIsLowerCaseHexOf64Characters) {
  const std::string checksum = sql_step().checksum();
  ASSERT_EQ(checksum.size(), 64u);
  EXPECT_EQ(checksum.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(MigrationStepTest, ChecksumIsStableAndFollowsUpDownAndVerify) {
  const MigrationStep base = sql_step();
  EXPECT_EQ(base.checksum(), sql_step().checksum());

  MigrationStep up_changed = base;
  up_changed.up = std::string("CREATE TABLE t(id INTEGER);");
  MigrationStep with_down = base;
  with_down.down = std::string("DROP TABLE t;");
  MigrationStep with_empty_down = base;
  with_empty_down.down = std::string();
  MigrationStep with_verify = base;
  with_verify.verify_sql = {"SELECT 1"};

  const std::set<std::string> checksums = {base.checksum(), up_changed.checksum(),
                                           with_down.checksum(), with_empty_down.checksum(),
                                           with_verify.checksum()};
  EXPECT_EQ(checksums.size(), 5u);
}

TEST(MigrationStepTest, ChecksumSeparatesPartsUnambiguously) {
  MigrationStep a = sql_step();
  a.up = std::string("SELECT 1;");
  a.down = std::string("SELECT 2;");
  MigrationStep b = sql_step();
  b.up = std::string("SELECT 1;SELECT 2;");
  b.down = std::string("");
  EXPECT_NE(a.checksum(), b.checksum());

  MigrationStep c = sql_step();
  c.verify_sql = {"SELECT 1", "SELECT 2"};
  MigrationStep d = sql_step();
  d.verify_sql = {"SELECT 1\nverify 8\nSELECT 2"};
  EXPECT_NE(c.checksum(), d.checksum());
}

TEST(MigrationStepTest, ChecksumIgnoresSettingsOutsideTheDefinition) {
  MigrationStep a = sql_step();
  MigrationStep b = sql_step();
  b.touched_tables = {"t"};
  b.rebuilds_tables = true;
  EXPECT_EQ(a.checksum(), b.checksum());
}

TEST(MigrationStepTest, CallableChecksumFollowsItsDefinition) {
  MigrationStep a;
  a.version = 1;
  a.name = "cpp";
  a.up = StepCallable([](db::Connection&) -> Result<void> { return {}; });
  a.definition = "adds column x, version 1";
  MigrationStep b = a;
  b.definition = "adds column x, version 2";
  EXPECT_NE(a.checksum(), b.checksum());
}

TEST(MigrationStepTest, BodyTextOfSqlIsTheSql) {
  EXPECT_EQ(MigrationStep::body_text(StepBody(std::string("SELECT 1;"))), "SELECT 1;");
}

TEST(MigrationStepTest, BodyTextOfCallableIsAMarker) {
  const StepBody body = StepCallable([](db::Connection&) -> Result<void> { return {}; });
  EXPECT_EQ(MigrationStep::body_text(body), "-- C++ step");
}

TEST(MigrationStepTest, BodyDescriptionOfCallableIncludesTheDefinition) {
  MigrationStep step = sql_step();
  step.definition = "backfills model";
  const StepBody body = StepCallable([](db::Connection&) -> Result<void> { return {}; });
  EXPECT_EQ(step.body_description(body), "-- C++ step: backfills model");
  EXPECT_EQ(step.body_description(step.up), "CREATE TABLE t(id INTEGER PRIMARY KEY);");
}

}  // namespace
}  // namespace safemig::migrate
