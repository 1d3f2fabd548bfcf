// Tests of SQL and schema normalisation: spellings that mean the same compare equal, string
// literals are kept exactly.
#include "safemig/schema/normalize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace safemig::schema {
namespace {

using ::testing::ElementsAre;

TEST(NormalizeSql, KeywordsUpperNamesLowerOneSpace) {
  EXPECT_EQ(normalize_sql("select  A,b\n\tfrom \"T\" where x=1"), "SELECT a, b FROM t WHERE x = 1");
}

TEST(NormalizeSql, QuotingStylesOfPlainNamesAreRemoved) {
  EXPECT_EQ(normalize_sql("SELECT [Col], `Other`, \"third\" FROM \"Main\".\"T\""),
            "SELECT col, other, third FROM main.t");
}

TEST(NormalizeSql, NamesThatNeedQuotesStayQuoted) {
  EXPECT_EQ(normalize_sql("SELECT [My Col], \"a\"\"b\" FROM t"),
            "SELECT \"my col\", \"a\"\"b\" FROM t");
}

TEST(NormalizeSql, StringLiteralsArePreservedExactly) {
  EXPECT_EQ(normalize_sql("SELECT 'Hello  World', 'it''s', 'SELECT x' FROM t"),
            "SELECT 'Hello  World', 'it''s', 'SELECT x' FROM t");
}

TEST(NormalizeSql, CommentsAndTrailingSemicolonAreDropped) {
  EXPECT_EQ(normalize_sql("SELECT a -- the a\n, /* b */ b FROM t;"), "SELECT a, b FROM t");
}

TEST(NormalizeSql, FunctionCallsAndOperators) {
  EXPECT_EQ(normalize_sql("LENGTH ( v )>=0 AND a||b<>'' AND c IN(1,2)"),
            "length(v) >= 0 AND a || b <> '' AND c IN (1, 2)");
}

TEST(NormalizeSql, UnaryMinusStaysAttached) {
  EXPECT_EQ(normalize_sql("a-1"), "a - 1");
  EXPECT_EQ(normalize_sql("a - - 1"), "a - -1");
  EXPECT_EQ(normalize_sql("x >= -1.5"), "x >= -1.5");
  EXPECT_EQ(normalize_sql("(-1)"), "(-1)");
}

TEST(NormalizeSql, TriggerBodyKeepsItsStatements) {
  EXPECT_EQ(normalize_sql("create trigger TR after insert on T begin\n  update t set v=1;\nend;"),
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET v = 1; END");
}

TEST(NormalizeSql, IfNotExistsOfCreateIsDropped) {
  EXPECT_EQ(normalize_sql("create view if not exists V as select 1"), "CREATE VIEW v AS SELECT 1");
  EXPECT_EQ(normalize_sql("CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN "
                          "SELECT 1; END"),
            "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END");
  EXPECT_EQ(normalize_sql("SELECT 1 WHERE NOT EXISTS (SELECT 2)"),
            "SELECT 1 WHERE NOT EXISTS (SELECT 2)");
}

TEST(NormalizeSql, IsIdempotent) {
  const char* inputs[] = {"SELECT [My Col], -1, x'0A', :p FROM \"T\" WHERE a<>-2;",
                          "CREATE VIEW v AS SELECT count(*) AS n FROM t GROUP BY a.b",
                          "CASE WHEN a THEN 'x' ELSE NULL END - 1"};
  for (const char* sql : inputs) {
    const std::string once = normalize_sql(sql);
    EXPECT_EQ(normalize_sql(once), once) << sql;
  }
}

TEST(NormalizeExpression, RedundantOuterParenthesesAreRemoved) {
  EXPECT_EQ(normalize_expression("((a > 0))"), "a > 0");
  EXPECT_EQ(normalize_expression("(datetime('now'))"), "datetime('now')");
  EXPECT_EQ(normalize_expression("(a) + (b)"), "(a) + (b)");
  EXPECT_EQ(normalize_expression("'(x)'"), "'(x)'");
}

TEST(NormalizeIndexTerm, DefaultAscendingIsDroppedCollationUpper) {
  EXPECT_EQ(normalize_index_term("\"V\" asc"), "v");
  EXPECT_EQ(normalize_index_term("lower(v)  desc"), "lower(v) DESC");
  EXPECT_EQ(normalize_index_term("v collate nocase"), "v COLLATE NOCASE");
}

TEST(NormalizeType, UpperCaseAndCollapsedWhitespace) {
  EXPECT_EQ(normalize_type("varchar ( 10 )"), "VARCHAR(10)");
  EXPECT_EQ(normalize_type("decimal(10,2)"), "DECIMAL(10, 2)");
  EXPECT_EQ(normalize_type("unsigned   big\tint"), "UNSIGNED BIG INT");
  EXPECT_EQ(normalize_type(""), "");
}

TEST(NormalizeSchema, CanonicalNamesOrderAndActions) {
  Schema s = SchemaBuilder()
                 .table("Parent", [](TableBuilder& t) { t.column("ID", "integer").primary_key(); })
                 .table("Child",
                        [](TableBuilder& t) {
                          t.column("Parent_ID", "int").default_value("(0)");
                          t.index("z_idx", {"Parent_ID asc"});
                          t.index("a_idx", {"(lower(Parent_ID))"}, "(Parent_ID>0)");
                          t.foreign_key({"Parent_ID"}, "Parent", {}, "cascade", "set  null");
                          t.check("(b > 0)");
                          t.check("a>0");
                        })
                 .build();
  Schema n = normalize_schema(s);
  ASSERT_TRUE(n.tables.contains("child"));
  const Table& child = n.tables.at("child");
  EXPECT_EQ(child.name, "child");
  EXPECT_EQ(child.columns[0], (Column{"parent_id", "INT", false, "0", 0}));
  EXPECT_THAT(child.indexes,
              ElementsAre(Index{"a_idx", {"lower(parent_id)"}, false, "parent_id > 0"},
                          Index{"z_idx", {"parent_id"}, false, std::nullopt}));
  EXPECT_THAT(child.foreign_keys,
              ElementsAre(ForeignKey{{"parent_id"}, "parent", {"id"}, "CASCADE", "SET NULL"}));
  EXPECT_THAT(child.checks, ElementsAre("a > 0", "b > 0"));
  EXPECT_EQ(normalize_schema(n), n);
}

}  // namespace
}  // namespace safemig::schema
