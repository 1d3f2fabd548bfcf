// Tests of the SQL lexer and statement splitter.
#include "safemig/migrate/sql_splitter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/matchers.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Like support's IsOkAndHolds, whose description does not compile with a matcher argument.
MATCHER_P(IsOkWith, inner, "is a success whose value matches") {
  if (!arg.has_value()) {
    *result_listener << "error " << to_string(arg.error().code) << ": " << arg.error().describe();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

TEST(SqlSplitterTest, SplitsOnSemicolonsAndTrims) {
  EXPECT_THAT(split_sql_statements("  CREATE TABLE t(id);\n\nINSERT INTO t VALUES (1) ;  "),
              IsOkWith(ElementsAre("CREATE TABLE t(id)", "INSERT INTO t VALUES (1)")));
}

TEST(SqlSplitterTest, KeepsALastStatementWithoutSemicolon) {
  EXPECT_THAT(split_sql_statements("SELECT 1; SELECT 2"),
              IsOkWith(ElementsAre("SELECT 1", "SELECT 2")));
}

TEST(SqlSplitterTest, DropsEmptyStatementsAndPureComments) {
  EXPECT_THAT(split_sql_statements(";;\n-- only a comment;\n/* another; */ ;\n"),
              IsOkWith(IsEmpty()));
  EXPECT_THAT(split_sql_statements(""), IsOkWith(IsEmpty()));
}

TEST(SqlSplitterTest, SemicolonInStringDoesNotSplit) {
  EXPECT_THAT(split_sql_statements("INSERT INTO t VALUES ('a;b'); SELECT 'it''s; ok';"),
              IsOkWith(ElementsAre("INSERT INTO t VALUES ('a;b')", "SELECT 'it''s; ok'")));
}

TEST(SqlSplitterTest, SemicolonInQuotedIdentifiersDoesNotSplit) {
  EXPECT_THAT(split_sql_statements("SELECT \"a;\"\"b\", `c;d`, [e;f] FROM t; SELECT 2;"),
              IsOkWith(ElementsAre("SELECT \"a;\"\"b\", `c;d`, [e;f] FROM t", "SELECT 2")));
}

TEST(SqlSplitterTest, SemicolonInCommentsDoesNotSplit) {
  EXPECT_THAT(split_sql_statements("SELECT 1 -- a; b\n + 1; SELECT /* x; y */ 2;"),
              IsOkWith(ElementsAre("SELECT 1 -- a; b\n + 1", "SELECT /* x; y */ 2")));
}

TEST(SqlSplitterTest, QuotesInsideCommentsAreIgnored) {
  EXPECT_THAT(split_sql_statements("-- don't stop\nSELECT 1; /* it's \"odd */ SELECT 2;"),
              IsOkWith(ElementsAre("SELECT 1", "SELECT 2")));
}

TEST(SqlSplitterTest, CommentMarkersInsideStringsAreText) {
  EXPECT_THAT(split_sql_statements("SELECT '--;', '/*;'; SELECT 2;"),
              IsOkWith(ElementsAre("SELECT '--;', '/*;'", "SELECT 2")));
}

TEST(SqlSplitterTest, LeadingAndTrailingCommentsAreNotPartOfTheStatement) {
  EXPECT_THAT(split_sql_statements("-- safemig:no-transaction\n/* note */ VACUUM -- why\n;"),
              IsOkWith(ElementsAre("VACUUM")));
}

TEST(SqlSplitterTest, TriggerBodyIsOneStatement) {
  const std::string trigger =
      "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN\n"
      "  INSERT INTO audit VALUES (new.id);\n"
      "  UPDATE counts SET n = n + 1;\n"
      "END";
  EXPECT_THAT(split_sql_statements(trigger + ";\nSELECT 1;"),
              IsOkWith(ElementsAre(trigger, "SELECT 1")));
}

TEST(SqlSplitterTest, CaseInsideTriggerDoesNotEndIt) {
  const std::string trigger =
      "create temp trigger tr before update on t\n"
      "when case when new.v is null then 1 else 0 end\n"
      "begin\n"
      "  update t set v = case when old.v = 'a' then 'b' else case new.v when 'x' then 'y' end "
      "end;\n"
      "  select raise(abort, 'no; way');\n"
      "end";
  EXPECT_THAT(split_sql_statements(trigger + "; select 2"),
              IsOkWith(ElementsAre(trigger, "select 2")));
}

TEST(SqlSplitterTest, TwoTriggersInARow) {
  const std::string first = "CREATE TRIGGER a AFTER DELETE ON t BEGIN DELETE FROM u; END";
  const std::string second =
      "CREATE TRIGGER IF NOT EXISTS b AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1); END";
  EXPECT_THAT(split_sql_statements(first + ";\n" + second + ";\n"),
              IsOkWith(ElementsAre(first, second)));
}

TEST(SqlSplitterTest, BeginAndEndOutsideTriggersAreOrdinaryStatements) {
  EXPECT_THAT(split_sql_statements("BEGIN; SELECT 1; END; SELECT CASE 1 WHEN 1 THEN 2 END;"),
              IsOkWith(ElementsAre("BEGIN", "SELECT 1", "END", "SELECT CASE 1 WHEN 1 THEN 2 END")));
}

TEST(SqlSplitterTest, ReportsStatementLines) {
  auto statements = split_sql_script("-- header\n\nSELECT 1;\nSELECT\n'a\nb';\n  SELECT 3;");
  ASSERT_THAT(statements, IsOk());
  ASSERT_EQ(statements->size(), 3u);
  EXPECT_EQ((*statements)[0].line, 3);
  EXPECT_EQ((*statements)[1].line, 4);
  EXPECT_EQ((*statements)[2].line, 7);
}

TEST(SqlSplitterTest, UnterminatedStringNamesItsLine) {
  EXPECT_THAT(split_sql_statements("SELECT 1;\nSELECT 'abc;\nSELECT 2;"),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("unterminated string literal starting on line 2")));
  EXPECT_THAT(split_sql_statements("SELECT 'it''s"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("starting on line 1")));
}

TEST(SqlSplitterTest, UnterminatedIdentifierNamesItsLine) {
  EXPECT_THAT(split_sql_statements("\n\nSELECT \"a;"),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("unterminated quoted identifier starting on line 3")));
  EXPECT_THAT(split_sql_statements("SELECT `a"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("quoted identifier starting on line 1")));
  EXPECT_THAT(split_sql_statements("SELECT 1;\nSELECT [a"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("[identifier] starting on line 2")));
}

TEST(SqlSplitterTest, UnterminatedBlockCommentNamesItsLine) {
  EXPECT_THAT(
      split_sql_statements("SELECT 1;\n\n\n/* never closed;\nSELECT 2;"),
      ErrorIs(ErrorCode::invalid_input, HasSubstr("unterminated /* comment starting on line 4")));
}

TEST(SqlSplitterTest, UnterminatedTriggerNamesItsLine) {
  EXPECT_THAT(split_sql_statements("SELECT 1;\nCREATE TRIGGER x AFTER INSERT ON t BEGIN\n"
                                   "  SELECT CASE WHEN 1 THEN 2 END;\n"),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("unterminated CREATE TRIGGER starting on line 2")));
}

TEST(SqlSplitterTest, LineCommentAtEndOfScriptIsFine) {
  EXPECT_THAT(split_sql_statements("SELECT 1; -- done"), IsOkWith(ElementsAre("SELECT 1")));
}

TEST(SqlTokenizerTest, ClassifiesTokens) {
  auto tokens = tokenize_sql("UPDATE \"my \"\"t\" SET v = 'x''y' + 1.5e3;");
  ASSERT_THAT(tokens, IsOk());
  ASSERT_EQ(tokens->size(), 9u);
  EXPECT_EQ((*tokens)[0].kind, SqlToken::Kind::word);
  EXPECT_EQ((*tokens)[1].kind, SqlToken::Kind::quoted_identifier);
  EXPECT_EQ((*tokens)[1].text, "my \"t");
  EXPECT_EQ((*tokens)[5].kind, SqlToken::Kind::string);
  EXPECT_EQ((*tokens)[5].text, "x'y");
  EXPECT_EQ((*tokens)[7].kind, SqlToken::Kind::number);
  EXPECT_EQ((*tokens)[7].text, "1.5e3");
  EXPECT_EQ((*tokens)[8].text, ";");
}

TEST(SqlTokenizerTest, UpperAsciiLeavesOtherBytes) { EXPECT_EQ(upper_ascii("abZ_é"), "ABZ_é"); }

}  // namespace
}  // namespace safemig::migrate
