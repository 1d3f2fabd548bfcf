// Tests of the Schema builder: table, alter_table, column redeclaration, drops.
#include "safemig/schema/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace safemig::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

Schema version_one() {
  return SchemaBuilder()
      .table("t",
             [](TableBuilder& t) {
               t.column("id", "INTEGER").primary_key();
               t.column("v", "TEXT").not_null().default_value("''");
               t.index("t_by_v", {"v"});
               t.check("length(v) < 100");
             })
      .build();
}

TEST(SchemaBuilder, BuildsTablesColumnsAndConstraints) {
  Schema s = version_one();
  ASSERT_EQ(s.tables.size(), 1U);
  const Table& t = s.tables.at("t");
  EXPECT_EQ(t.name, "t");
  ASSERT_EQ(t.columns.size(), 2U);
  EXPECT_EQ(t.columns[0], (Column{"id", "INTEGER", false, std::nullopt, 1}));
  EXPECT_EQ(t.columns[1], (Column{"v", "TEXT", true, "''", 0}));
  EXPECT_THAT(t.indexes, ElementsAre(Index{"t_by_v", {"v"}, false, std::nullopt}));
  EXPECT_THAT(t.checks, ElementsAre("length(v) < 100"));
}

TEST(SchemaBuilder, AlterTableAddsAColumnToThePreviousVersion) {
  Schema v2 = SchemaBuilder(version_one())
                  .alter_table("t", [](TableBuilder& t) { t.column("w", "REAL"); })
                  .build();
  const Table& t = v2.tables.at("t");
  EXPECT_THAT(t.columns, ElementsAre(Field(&Column::name, "id"), Field(&Column::name, "v"),
                                     Field(&Column::name, "w")));
  EXPECT_THAT(t.indexes, ElementsAre(Field(&Index::name, "t_by_v")));
  EXPECT_THAT(t.checks, ElementsAre("length(v) < 100"));
}

TEST(SchemaBuilder, AlterTableCreatesATableThatDoesNotExist) {
  Schema s = SchemaBuilder(version_one())
                 .alter_table("u", [](TableBuilder& t) { t.column("id", "INTEGER"); })
                 .build();
  ASSERT_TRUE(s.tables.contains("u"));
  EXPECT_EQ(s.tables.at("u").name, "u");
  EXPECT_THAT(s.tables.at("u").columns, ElementsAre(Field(&Column::name, "id")));
  EXPECT_TRUE(s.tables.contains("t"));
}

TEST(SchemaBuilder, RedeclaringAColumnReplacesItInPlace) {
  Schema s = SchemaBuilder(version_one())
                 .alter_table("t", [](TableBuilder& t) { t.column("v", "TEXT"); })
                 .build();
  const Table& t = s.tables.at("t");
  ASSERT_EQ(t.columns.size(), 2U);
  EXPECT_EQ(t.columns[1], (Column{"v", "TEXT", false, std::nullopt, 0}));
}

TEST(SchemaBuilder, TableReplacesAnExistingTable) {
  Schema s = SchemaBuilder(version_one())
                 .table("t", [](TableBuilder& t) { t.column("only", "BLOB"); })
                 .build();
  const Table& t = s.tables.at("t");
  EXPECT_THAT(t.columns, ElementsAre(Field(&Column::name, "only")));
  EXPECT_THAT(t.indexes, IsEmpty());
  EXPECT_THAT(t.checks, IsEmpty());
}

TEST(SchemaBuilder, DropColumnRemovesWhatNamesIt) {
  Schema s = SchemaBuilder(version_one())
                 .alter_table("t",
                              [](TableBuilder& t) {
                                t.unique({"v"});
                                t.foreign_key({"v"}, "other", {"name"});
                                t.drop_column("v");
                              })
                 .build();
  const Table& t = s.tables.at("t");
  EXPECT_THAT(t.columns, ElementsAre(Field(&Column::name, "id")));
  EXPECT_THAT(t.indexes, IsEmpty());
  EXPECT_THAT(t.unique_constraints, IsEmpty());
  EXPECT_THAT(t.foreign_keys, IsEmpty());
}

TEST(SchemaBuilder, DropsIndexesChecksTablesAndDeclaresViewsAndTriggers) {
  Schema s = SchemaBuilder(version_one())
                 .alter_table("t",
                              [](TableBuilder& t) {
                                t.drop_index("t_by_v");
                                t.drop_check("length(v) < 100");
                              })
                 .table("gone", [](TableBuilder& t) { t.column("x", "INTEGER"); })
                 .drop_table("gone")
                 .view("v", "CREATE VIEW v AS SELECT 1")
                 .trigger("tr", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END")
                 .build();
  EXPECT_THAT(s.tables.at("t").indexes, IsEmpty());
  EXPECT_THAT(s.tables.at("t").checks, IsEmpty());
  EXPECT_FALSE(s.tables.contains("gone"));
  EXPECT_EQ(s.views.at("v"), "CREATE VIEW v AS SELECT 1");
  EXPECT_EQ(s.triggers.at("tr"), "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END");
}

TEST(SchemaBuilder, FindColumnByName) {
  Schema s = version_one();
  const Table& t = s.tables.at("t");
  ASSERT_NE(t.find_column("v"), nullptr);
  EXPECT_TRUE(t.find_column("v")->not_null);
  EXPECT_EQ(t.find_column("missing"), nullptr);
}

}  // namespace
}  // namespace safemig::schema
