#include "safemig/migrate/schema_snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/migrate/sql_file_loader.h"
#include "safemig/schema/schema_json.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;
using ::testing::HasSubstr;

schema::Schema table_t() {
  return schema::SchemaBuilder()
      .table("t",
             [](schema::TableBuilder& t) {
               t.column("id", "INTEGER").primary_key();
               t.column("v", "TEXT");
             })
      .build();
}

TEST(SchemaSnapshot, WrittenSnapshotBecomesTheStepsExpectedSchema) {
  TempDir dir;
  write_file(dir.file("V1__create.sql"), "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n");
  write_file(dir.file("V2__add.sql"), "ALTER TABLE t ADD COLUMN w TEXT;\n");
  auto written = write_schema_snapshot(dir.path().string(), 1, table_t(), false);
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ(*written, dir.file("V1.schema.json"));

  auto set = load_sql_directory(dir.path().string());
  ASSERT_THAT(set, IsOk());
  ASSERT_TRUE(set->find(1)->expected_schema.has_value());
  EXPECT_EQ(*set->find(1)->expected_schema, table_t());
  EXPECT_FALSE(set->find(2)->expected_schema.has_value());
}

TEST(SchemaSnapshot, SnapshotIsNotPartOfTheChecksum) {
  TempDir dir;
  write_file(dir.file("V1__create.sql"), "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n");
  auto before = load_sql_directory(dir.path().string());
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(write_schema_snapshot(dir.path().string(), 1, table_t(), false), IsOk());
  auto after = load_sql_directory(dir.path().string());
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(before->find(1)->checksum(), after->find(1)->checksum());
}

TEST(SchemaSnapshot, ExistingSnapshotIsReplacedOnlyWhenAskedTo) {
  TempDir dir;
  ASSERT_THAT(write_schema_snapshot(dir.path().string(), 3, table_t(), false), IsOk());
  EXPECT_THAT(write_schema_snapshot(dir.path().string(), 3, schema::Schema{}, false),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("already exists; pass --force")));
  EXPECT_THAT(write_schema_snapshot(dir.path().string(), 3, schema::Schema{}, true), IsOk());
  auto read = read_schema_snapshot(dir.path().string(), 3);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(**read, schema::Schema{});
}

TEST(SchemaSnapshot, MalformedSnapshotFailsTheLoadNamingTheFile) {
  TempDir dir;
  write_file(dir.file("V1__create.sql"), "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
  write_file(dir.file("V1.schema.json"), "{ not json");
  EXPECT_THAT(load_sql_directory(dir.path().string()),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("V1.schema.json' is not valid")));
}

TEST(SchemaSnapshot, AbsentSnapshotIsNullopt) {
  TempDir dir;
  auto read = read_schema_snapshot(dir.path().string(), 1);
  ASSERT_THAT(read, IsOk());
  EXPECT_FALSE(read->has_value());
}

TEST(SchemaSnapshot, UnwritableDirectoryIsIoError) {
  TempDir dir;
  write_file(dir.file("plain"), "x");
  EXPECT_THAT(write_schema_snapshot(dir.file("plain"), 1, table_t(), false),
              ErrorIs(ErrorCode::io, HasSubstr("cannot write")));
}

}  // namespace
}  // namespace safemig::migrate
