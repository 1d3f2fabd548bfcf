#include "safemig/db/value.h"

#include <gtest/gtest.h>

#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::db {
namespace {

TEST(Value, RendersSqlLiterals) {
  EXPECT_EQ(to_sql_literal(Null{}), "NULL");
  EXPECT_EQ(to_sql_literal(std::int64_t{-5}), "-5");
  EXPECT_EQ(to_sql_literal(std::string("it's")), "'it''s'");
  EXPECT_EQ(to_sql_literal(Blob{0x0A, 0xFF}), "X'0AFF'");
}

TEST(Value, OptionalsBindNullWhenEmpty) {
  EXPECT_TRUE(std::holds_alternative<Null>(value_of(std::optional<std::int64_t>{})));
  EXPECT_EQ(std::get<std::string>(value_of(std::optional<std::string>("m"))), "m");
}

TEST(Value, RowConvertsLikeSqlite) {
  Row row({std::string("12"), std::int64_t{3}, Null{}});
  EXPECT_EQ(row.int64(0), 12);
  EXPECT_EQ(row.text(1), "3");
  EXPECT_EQ(row.opt_text(2), std::nullopt);
}

TEST(Value, QuotesIdentifiers) { EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\""); }

TEST(ErrorTest, DescribeCarriesContext) {
  Error e =
      Error(ErrorCode::io, "disk full").with_step("V3 x").with_file("/d.db").with_sql("INSERT");
  EXPECT_EQ(e.describe(), "disk full [step: V3 x] [file: /d.db] [sql: INSERT]");
  EXPECT_EQ(to_string(ErrorCode::schema_mismatch), "schema_mismatch");
  EXPECT_TRUE(is_retryable(ErrorCode::busy));
  EXPECT_FALSE(is_retryable(ErrorCode::corrupt));
}

}  // namespace
}  // namespace safemig::db
