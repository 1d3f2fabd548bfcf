// Tests of the JSON form (round trip, stable text, errors) and of the text listing.
#include "safemig/schema/schema_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/db/sqlite_connection.h"
#include "safemig/schema/introspect.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::schema {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;

Schema full_schema() {
  return SchemaBuilder()
      .table("p", [](TableBuilder& t) { t.column("id", "INTEGER").primary_key(); })
      .table("t",
             [](TableBuilder& t) {
               t.column("a", "INTEGER").not_null().primary_key(1);
               t.column("b", "TEXT").default_value("'say \"hi\"\\n'").primary_key(2);
               t.column("c", "");
               t.index("t_by_c", {"lower(c) DESC", "a"}, "c IS NOT NULL");
               t.unique_index("t_by_b", {"b"});
               t.unique({"b", "c"});
               t.foreign_key({"a"}, "p", {"id"}, "CASCADE", "SET NULL");
               t.check("a >= 0");
             })
      .view("v", "CREATE VIEW v AS SELECT a FROM t")
      .trigger("tr", "CREATE TRIGGER tr AFTER DELETE ON p BEGIN SELECT 1; END")
      .build();
}

TEST(SchemaJson, RoundTripGivesAnEqualSchema) {
  Schema s = full_schema();
  EXPECT_THAT(schema_from_json(to_json(s)), IsOkAndHolds(s));
}

TEST(SchemaJson, RoundTripOfAnIntrospectedSchema) {
  TempDir dir;
  auto conn = db::open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  ASSERT_THAT((*conn)->execute_script(
                  "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT 'a b' "
                  "CHECK (v <> ''), UNIQUE (v));"
                  "CREATE INDEX t_by_v ON t (v) WHERE id > 10;"),
              IsOk());
  auto live = read_schema(**conn);
  ASSERT_THAT(live, IsOk());
  EXPECT_THAT(schema_from_json(to_json(*live)), IsOkAndHolds(*live));
}

TEST(SchemaJson, TextIsStableAndReviewable) {
  Schema s = SchemaBuilder()
                 .table("t",
                        [](TableBuilder& t) {
                          t.column("id", "INTEGER").primary_key();
                          t.column("v", "TEXT").not_null().default_value("''");
                          t.index("t_by_v", {"v"});
                          t.check("length(v) < 100");
                        })
                 .view("tv", "CREATE VIEW tv AS SELECT v FROM t")
                 .build();
  EXPECT_EQ(to_json(s), to_json(s));
  EXPECT_EQ(to_json(s), R"json({
  "tables": {
    "t": {
      "columns": [
        {"name": "id", "type": "INTEGER", "not_null": false, "default": null, "primary_key": 1},
        {"name": "v", "type": "TEXT", "not_null": true, "default": "''", "primary_key": 0}
      ],
      "indexes": [
        {"name": "t_by_v", "columns": ["v"], "unique": false, "where": null}
      ],
      "unique_constraints": [],
      "foreign_keys": [],
      "checks": ["length(v) < 100"]
    }
  },
  "views": {
    "tv": "CREATE VIEW tv AS SELECT v FROM t"
  },
  "triggers": {}
}
)json");
}

TEST(SchemaJson, AbsentOptionalKeysTakeDefaults) {
  auto s = schema_from_json(
      R"({"tables": {"t": {"columns": [{"name": "id"}],
                           "foreign_keys": [{"columns": ["id"], "references": "p"}]}}})");
  Schema expected;
  expected.tables["t"].name = "t";
  expected.tables["t"].columns.push_back(Column{"id", "", false, std::nullopt, 0});
  expected.tables["t"].foreign_keys.push_back(ForeignKey{{"id"}, "p", {}});
  EXPECT_THAT(s, IsOkAndHolds(expected));
  EXPECT_THAT(schema_from_json("{}"), IsOkAndHolds(Schema{}));
}

TEST(SchemaJson, MalformedJsonIsInvalidInputWithAPosition) {
  EXPECT_THAT(schema_from_json("{\"tables\": {\n  \"t\": [1, 2,]\n}}"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("not valid JSON at line 2")));
  EXPECT_THAT(schema_from_json(""), ErrorIs(ErrorCode::invalid_input, HasSubstr("not valid JSON")));
  EXPECT_THAT(schema_from_json("{} trailing"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("not valid JSON")));
}

TEST(SchemaJson, WrongShapeNamesThePath) {
  EXPECT_THAT(
      schema_from_json("[]"),
      ErrorIs(ErrorCode::invalid_input, HasSubstr("schema JSON: (top level): expected an object")));
  EXPECT_THAT(
      schema_from_json(R"({"tables": {"t": {"columns": [{"name": "a"}, {"name": "b",
                                   "type": 5}]}}})"),
      ErrorIs(ErrorCode::invalid_input, HasSubstr("tables.t.columns[1].type: expected a string")));
  EXPECT_THAT(
      schema_from_json(R"({"tables": {"t": {"columns": [{"type": "TEXT"}]}}})"),
      ErrorIs(ErrorCode::invalid_input, HasSubstr("tables.t.columns[0]: missing key \"name\"")));
  EXPECT_THAT(schema_from_json(R"({"tables": {"t": {"colums": []}}})"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("tables.t: unknown key \"colums\"")));
  EXPECT_THAT(schema_from_json(R"({"tables": {"t": {"columns": [{"name": "a",
                                   "not_null": "yes"}]}}})"),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("tables.t.columns[0].not_null: expected true or false")));
  EXPECT_THAT(schema_from_json(R"({"tables": {"t": {"columns": [{"name": "a",
                                   "primary_key": -1}]}}})"),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("tables.t.columns[0].primary_key: expected an integer")));
  EXPECT_THAT(schema_from_json(R"({"views": {"v": 1}})"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("views.v: expected a string")));
  EXPECT_THAT(schema_from_json(R"({"tables": {"t": {"indexes": [{"name": "i",
                                   "columns": "a"}]}}})"),
              ErrorIs(ErrorCode::invalid_input,
                      HasSubstr("tables.t.indexes[0].columns: expected an array of strings")));
}

TEST(Describe, ListsTablesViewsAndTriggers) {
  EXPECT_EQ(describe(full_schema()),
            "table p\n"
            "  id INTEGER PRIMARY KEY\n"
            "table t\n"
            "  a INTEGER NOT NULL\n"
            "  b TEXT DEFAULT 'say \"hi\"\\n'\n"
            "  c (no type)\n"
            "  primary key (a, b)\n"
            "  unique (b, c)\n"
            "  foreign key (a) REFERENCES p(id) ON DELETE CASCADE ON UPDATE SET NULL\n"
            "  check (a >= 0)\n"
            "  index t_by_c (lower(c) DESC, a) WHERE c IS NOT NULL\n"
            "  unique index t_by_b (b)\n"
            "view v\n"
            "  CREATE VIEW v AS SELECT a FROM t\n"
            "trigger tr\n"
            "  CREATE TRIGGER tr AFTER DELETE ON p BEGIN SELECT 1; END\n");
  EXPECT_EQ(describe(Schema{}), "(empty schema)\n");
}

}  // namespace
}  // namespace safemig::schema
