// Tests of diff_schemas: every kind of difference gives its exact line, spelling differences
// give none, and the order is deterministic.
#include "safemig/schema/diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace safemig::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A base schema; each test changes one thing on one side.
SchemaBuilder base() {
  return SchemaBuilder()
      .table("p", [](TableBuilder& t) { t.column("id", "INTEGER").primary_key(); })
      .table("t", [](TableBuilder& t) {
        t.column("id", "INTEGER").primary_key();
        t.column("p_id", "INTEGER").not_null();
        t.column("v", "TEXT").default_value("''");
        t.column("a", "INTEGER");
        t.index("t_by_v", {"v"});
        t.unique({"v", "a"});
        t.foreign_key({"p_id"}, "p", {"id"}, "CASCADE");
        t.check("a >= 0");
      });
}

template <typename F>
std::vector<std::string> diff_after(F change) {
  Schema expected = base().build();
  SchemaBuilder actual = base();
  change(actual);
  return diff_schemas(expected, actual.build()).differences;
}

template <typename F>
std::vector<std::string> diff_table_t(F change) {
  return diff_after([&](SchemaBuilder& b) { b.alter_table("t", change); });
}

TEST(DiffSchemas, EqualSchemasHaveNoDifferences) {
  SchemaDiff diff = diff_schemas(base().build(), base().build());
  EXPECT_TRUE(diff.empty());
  EXPECT_EQ(diff.to_string(), "");
}

TEST(DiffSchemas, SpellingDifferencesAreNotDifferences) {
  Schema variant = SchemaBuilder()
                       .table("P", [](TableBuilder& t) { t.column("ID", "integer").primary_key(); })
                       .table("T",
                              [](TableBuilder& t) {
                                t.column("Id", "Integer").primary_key();
                                t.column("P_ID", "integer").not_null();
                                t.column("v", "text").default_value("('')");
                                t.column("A", "INTEGER");
                                t.check("(A>=0)");
                                t.foreign_key({"P_id"}, "P", {}, "cascade");
                                t.unique({"V", "a"});
                                t.index("T_BY_V", {"\"v\" ASC"});
                              })
                       .build();
  EXPECT_EQ(diff_schemas(base().build(), variant).to_string(), "");
}

TEST(DiffSchemas, MissingAndUnexpectedTables) {
  EXPECT_THAT(diff_after([](SchemaBuilder& b) { b.drop_table("t"); }),
              ElementsAre("table t: missing (expected but not found)"));
  EXPECT_THAT(diff_after([](SchemaBuilder& b) {
                b.table("x", [](TableBuilder& t) { t.column("id", "INTEGER"); });
              }),
              ElementsAre("table x: unexpected (found but not expected)"));
}

TEST(DiffSchemas, ColumnDefinitionDifferences) {
  EXPECT_THAT(diff_after([](SchemaBuilder& b) {
                b.table("completion_requests", [](TableBuilder& t) { t.column("model", "TEXT"); });
              }),
              ElementsAre("table completion_requests: unexpected (found but not expected)"));
  Schema expected = SchemaBuilder()
                        .table("completion_requests",
                               [](TableBuilder& t) { t.column("model", "TEXT").not_null(); })
                        .build();
  Schema actual =
      SchemaBuilder()
          .table("completion_requests", [](TableBuilder& t) { t.column("model", "TEXT"); })
          .build();
  EXPECT_THAT(diff_schemas(expected, actual).differences,
              ElementsAre("table completion_requests: column model: expected TEXT NOT NULL, "
                          "found TEXT"));
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.column("v", "BLOB").default_value("x'00'"); }),
              ElementsAre("table t: column v: expected TEXT DEFAULT '', found BLOB DEFAULT "
                          "X'00'"));
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.column("a", ""); }),
              ElementsAre("table t: column a: expected INTEGER, found (no type)"));
}

TEST(DiffSchemas, MissingUnexpectedAndReorderedColumns) {
  EXPECT_THAT(diff_table_t([](TableBuilder& t) {
                t.drop_check("a >= 0");
                t.drop_column("a");
              }),
              ElementsAre("table t: column a: missing (expected but not found)",
                          "table t: unique (v, a): missing (expected but not found)",
                          "table t: check \"a >= 0\": missing (expected but not found)"));
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.column("extra", "REAL"); }),
              ElementsAre("table t: column extra: unexpected (found but not expected)"));
  Schema expected = SchemaBuilder()
                        .table("t",
                               [](TableBuilder& t) {
                                 t.column("a", "INTEGER");
                                 t.column("b", "INTEGER");
                               })
                        .build();
  Schema actual = SchemaBuilder()
                      .table("t",
                             [](TableBuilder& t) {
                               t.column("b", "INTEGER");
                               t.column("a", "INTEGER");
                             })
                      .build();
  EXPECT_THAT(diff_schemas(expected, actual).differences,
              ElementsAre("table t: columns in a different order: expected (a, b), found (b, a)"));
}

TEST(DiffSchemas, PrimaryKey) {
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.column("id", "INTEGER"); }),
              ElementsAre("table t: primary key: expected (id), found (none)"));
  EXPECT_THAT(
      diff_table_t([](TableBuilder& t) { t.column("p_id", "INTEGER").not_null().primary_key(2); }),
      ElementsAre("table t: primary key: expected (id), found (id, p_id)"));
}

TEST(DiffSchemas, Indexes) {
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.drop_index("t_by_v"); }),
              ElementsAre("table t: index t_by_v: missing (expected but not found)"));
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.index("t_by_a", {"a"}); }),
              ElementsAre("table t: index t_by_a: unexpected (found but not expected)"));
  EXPECT_THAT(diff_table_t([](TableBuilder& t) {
                t.drop_index("t_by_v");
                t.index("t_by_v", {"v", "id"});
              }),
              ElementsAre("table t: index t_by_v: expected columns (v), found (v, id)"));
  EXPECT_THAT(diff_table_t([](TableBuilder& t) {
                t.drop_index("t_by_v");
                t.unique_index("t_by_v", {"v"}, "v IS NOT NULL");
              }),
              ElementsAre("table t: index t_by_v: expected not unique, found UNIQUE",
                          "table t: index t_by_v: expected no WHERE, found WHERE v IS NOT NULL"));
}

TEST(DiffSchemas, UniqueConstraints) {
  EXPECT_THAT(diff_table_t([](TableBuilder& t) { t.unique({"a"}); }),
              ElementsAre("table t: unique (a): unexpected (found but not expected)"));
}

TEST(DiffSchemas, ForeignKeys) {
  EXPECT_THAT(
      diff_table_t([](TableBuilder& t) {
        t.drop_column("p_id");
        t.column("p_id", "INTEGER").not_null();
      }),
      ElementsAre(
          "table t: columns in a different order: expected (id, p_id, v, a), found (id, v, a, "
          "p_id)",
          "table t: foreign key (p_id) REFERENCES p(id) ON DELETE CASCADE: missing (expected but "
          "not found)"));
  Schema actual = base().build();
  actual.tables.at("t").foreign_keys[0].on_delete = "SET NULL";
  actual.tables.at("t").foreign_keys.push_back(ForeignKey{{"a"}, "p", {"id"}});
  EXPECT_THAT(diff_schemas(base().build(), actual).differences,
              ElementsAre("table t: foreign key (p_id): expected REFERENCES p(id) ON DELETE "
                          "CASCADE, found REFERENCES p(id) ON DELETE SET NULL",
                          "table t: foreign key (a) REFERENCES p(id): unexpected (found but not "
                          "expected)"));
}

TEST(DiffSchemas, Checks) {
  EXPECT_THAT(diff_table_t([](TableBuilder& t) {
                t.drop_check("a >= 0");
                t.check("a > 0");
              }),
              ElementsAre("table t: check \"a >= 0\": missing (expected but not found)",
                          "table t: check \"a > 0\": unexpected (found but not expected)"));
}

TEST(DiffSchemas, ViewsAndTriggers) {
  Schema expected = SchemaBuilder()
                        .view("v", "CREATE VIEW v AS SELECT 1")
                        .view("w", "CREATE VIEW w AS SELECT 2")
                        .trigger("tr", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END")
                        .build();
  Schema actual = SchemaBuilder()
                      .view("v", "create view V as select 2")
                      .trigger("tr2", "CREATE TRIGGER tr2 AFTER INSERT ON t BEGIN SELECT 1; END")
                      .build();
  EXPECT_THAT(diff_schemas(expected, actual).differences,
              ElementsAre("view v: expected CREATE VIEW v AS SELECT 1, found CREATE VIEW v AS "
                          "SELECT 2",
                          "view w: missing (expected but not found)",
                          "trigger tr: missing (expected but not found)",
                          "trigger tr2: unexpected (found but not expected)"));
}

TEST(DiffSchemas, OrderIsDeterministicAndToStringJoinsLines) {
  Schema expected = base().build();
  Schema actual = base()
                      .drop_table("p")
                      .table("a_new", [](TableBuilder& t) { t.column("x", "INTEGER"); })
                      .alter_table("t", [](TableBuilder& t) { t.column("v", "TEXT"); })
                      .build();
  SchemaDiff diff = diff_schemas(expected, actual);
  EXPECT_FALSE(diff.empty());
  EXPECT_EQ(diff.to_string(),
            "table a_new: unexpected (found but not expected)\n"
            "table p: missing (expected but not found)\n"
            "table t: column v: expected TEXT DEFAULT '', found TEXT");
  EXPECT_THAT(diff_schemas(Schema{}, Schema{}).differences, IsEmpty());
}

}  // namespace
}  // namespace safemig::schema
