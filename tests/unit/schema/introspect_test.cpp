// Tests of SQLite introspection on real temporary databases: read_schema of real DDL equals
// the builder-made expectation.
#include "safemig/schema/introspect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "safemig/db/sqlite_connection.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/normalize.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::schema {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kDdl = R"sql(
CREATE TABLE parents (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now') * 1000),
  note TEXT DEFAULT 'hello  world, (really)',
  score REAL DEFAULT -1.5 CHECK (score >= -1.5),
  CONSTRAINT name_not_empty CHECK (length(name) > 0)
);
CREATE TABLE children (
  parent_id INTEGER NOT NULL REFERENCES parents(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  label TEXT, -- a comment with CHECK (x) in it
  tokens INTEGER CONSTRAINT tokens_non_negative CHECK(tokens >= 0),
  ratio "double precision" DEFAULT 0.5,
  PRIMARY KEY (parent_id, seq),
  UNIQUE (parent_id, label),
  CHECK ((seq > 0))
);
CREATE INDEX children_by_label ON children(lower(label) DESC, seq) WHERE label IS NOT NULL;
CREATE UNIQUE INDEX parents_by_created ON parents(created_at);
CREATE VIEW parent_sizes AS
  SELECT p.id, count(c.seq) AS n FROM parents p LEFT JOIN children c ON c.parent_id = p.id
  GROUP BY p.id;
CREATE TRIGGER children_touch AFTER INSERT ON children BEGIN
  UPDATE parents SET note = 'touched' WHERE id = NEW.parent_id;
END;
)sql";

Schema expected_schema() {
  return SchemaBuilder()
      .table("parents",
             [](TableBuilder& t) {
               t.column("id", "INTEGER").primary_key();
               t.column("name", "TEXT").not_null();
               t.column("created_at", "INTEGER")
                   .not_null()
                   .default_value("strftime('%s', 'now') * 1000");
               t.column("note", "TEXT").default_value("'hello  world, (really)'");
               t.column("score", "REAL").default_value("-1.5");
               t.unique({"name"});
               t.check("score >= -1.5");
               t.check("length(name) > 0");
               t.unique_index("parents_by_created", {"created_at"});
             })
      .table("children",
             [](TableBuilder& t) {
               t.column("parent_id", "INTEGER").not_null().primary_key(1);
               t.column("seq", "INTEGER").not_null().primary_key(2);
               t.column("label", "TEXT");
               t.column("tokens", "INTEGER");
               t.column("ratio", "DOUBLE PRECISION").default_value("0.5");
               t.unique({"parent_id", "label"});
               t.foreign_key({"parent_id"}, "parents", {"id"}, "CASCADE");
               t.check("tokens >= 0");
               t.check("seq > 0");
               t.index("children_by_label", {"lower(label) DESC", "seq"}, "label IS NOT NULL");
             })
      .view(
          "parent_sizes",
          "CREATE VIEW IF NOT EXISTS parent_sizes AS SELECT p.id, count(c.seq) AS n FROM parents p "
          "LEFT JOIN children c ON c.parent_id = p.id GROUP BY p.id")
      .trigger("children_touch",
               "CREATE TRIGGER children_touch AFTER INSERT ON children BEGIN UPDATE parents "
               "SET note = 'touched' WHERE id = NEW.parent_id; END")
      .build();
}

class IntrospectTest : public ::testing::Test {
 protected:
  std::unique_ptr<db::Connection> open(const std::string& name, const std::string& ddl) {
    auto conn = db::open_sqlite(dir_.file(name));
    EXPECT_THAT(conn, IsOk());
    if (!conn) return nullptr;
    EXPECT_THAT((*conn)->execute_script(ddl), IsOk());
    return std::move(*conn);
  }

  TempDir dir_;
};

TEST_F(IntrospectTest, ReadSchemaOfRealDdlEqualsTheBuilderExpectation) {
  auto conn = open("a.db", kDdl);
  ASSERT_NE(conn, nullptr);
  auto actual = read_schema(*conn);
  ASSERT_THAT(actual, IsOk());
  EXPECT_EQ(diff_schemas(expected_schema(), *actual).to_string(), "");
  EXPECT_EQ(*actual, normalize_schema(expected_schema()));
}

TEST_F(IntrospectTest, ReadsEachPartAsDeclared) {
  auto conn = open("a.db", kDdl);
  ASSERT_NE(conn, nullptr);
  auto actual = read_schema(*conn);
  ASSERT_THAT(actual, IsOk());
  const Table& children = actual->tables.at("children");
  EXPECT_THAT(children.indexes,
              ElementsAre(Index{
                  "children_by_label", {"lower(label) DESC", "seq"}, false, "label IS NOT NULL"}));
  EXPECT_THAT(children.unique_constraints,
              ElementsAre(std::vector<std::string>{"parent_id", "label"}));
  EXPECT_THAT(children.foreign_keys,
              ElementsAre(ForeignKey{{"parent_id"}, "parents", {"id"}, "CASCADE", "NO ACTION"}));
  EXPECT_THAT(children.checks, ElementsAre("seq > 0", "tokens >= 0"));
  EXPECT_EQ(*children.find_column("ratio"), (Column{"ratio", "DOUBLE PRECISION", false, "0.5", 0}));
  const Table& parents = actual->tables.at("parents");
  EXPECT_EQ(parents.find_column("note")->default_value, "'hello  world, (really)'");
  EXPECT_EQ(parents.find_column("created_at")->default_value, "strftime('%s', 'now') * 1000");
  EXPECT_EQ(actual->triggers.at("children_touch"),
            "CREATE TRIGGER children_touch AFTER INSERT ON children BEGIN UPDATE parents SET "
            "note = 'touched' WHERE id = new.parent_id; END");
}

TEST_F(IntrospectTest, SpellingVariantsReadTheSame) {
  auto plain = open("plain.db",
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(10) NOT NULL DEFAULT 'a',"
                    " w INTEGER DEFAULT 0 CHECK (w >= 0), UNIQUE (v));"
                    "CREATE INDEX t_by_w ON t (w) WHERE w > 0;"
                    "CREATE VIEW tv AS SELECT id, v FROM t WHERE w = 1;");
  auto variant = open("variant.db",
                      "create table \"T\"( [ID] integer primary key ,\n  `V`  varchar ( 10 ) "
                      "not null default ( 'a' ), w integer default ((0)) "
                      "constraint w_ok check((\"W\">=0)) , unique(\"v\"));\n"
                      "create index T_BY_W on \"t\"(\"W\" asc) where (w>0);\n"
                      "create view TV as select ID , v from t where w=1 ;");
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(variant, nullptr);
  auto a = read_schema(*plain);
  auto b = read_schema(*variant);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(diff_schemas(*a, *b).to_string(), "");
  EXPECT_EQ(*a, *b);
}

TEST_F(IntrospectTest, SafemigAndSqliteTablesAreIgnored) {
  auto conn = open("a.db",
                   "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);"
                   "CREATE TABLE _safemig_history (version INTEGER PRIMARY KEY, name TEXT);"
                   "CREATE INDEX _safemig_history_by_name ON _safemig_history(name);"
                   "CREATE TABLE _safemig_backup_v1_t AS SELECT * FROM t;"
                   "CREATE INDEX backup_by_v ON _safemig_backup_v1_t(v);"
                   "CREATE TRIGGER history_trigger AFTER INSERT ON _safemig_history "
                   "BEGIN SELECT 1; END;"
                   "INSERT INTO t (v) VALUES ('x');");
  ASSERT_NE(conn, nullptr);
  Schema expected = SchemaBuilder()
                        .table("t",
                               [](TableBuilder& t) {
                                 t.column("id", "INTEGER").primary_key();
                                 t.column("v", "TEXT");
                               })
                        .build();
  auto actual = read_schema(*conn);
  ASSERT_THAT(actual, IsOk());
  EXPECT_EQ(diff_schemas(expected, *actual).to_string(), "");
  EXPECT_THAT(actual->triggers, IsEmpty());
}

TEST_F(IntrospectTest, ForeignKeyWithoutColumnsRefersToTheParentPrimaryKey) {
  auto conn = open("a.db",
                   "CREATE TABLE p (a INTEGER, b TEXT, PRIMARY KEY (a, b));"
                   "CREATE TABLE c (x INTEGER, y TEXT, FOREIGN KEY (x, y) REFERENCES p "
                   "ON UPDATE SET NULL);");
  ASSERT_NE(conn, nullptr);
  auto actual = read_schema(*conn);
  ASSERT_THAT(actual, IsOk());
  EXPECT_THAT(actual->tables.at("c").foreign_keys,
              ElementsAre(ForeignKey{{"x", "y"}, "p", {"a", "b"}, "NO ACTION", "SET NULL"}));
}

TEST_F(IntrospectTest, LiveDifferenceIsReported) {
  auto conn =
      open("a.db", "CREATE TABLE completion_requests (id INTEGER PRIMARY KEY, model TEXT);");
  ASSERT_NE(conn, nullptr);
  Schema expected = SchemaBuilder()
                        .table("completion_requests",
                               [](TableBuilder& t) {
                                 t.column("id", "INTEGER").primary_key();
                                 t.column("model", "TEXT").not_null();
                               })
                        .build();
  auto actual = read_schema(*conn);
  ASSERT_THAT(actual, IsOk());
  EXPECT_THAT(diff_schemas(expected, *actual).differences,
              ElementsAre("table completion_requests: column model: expected TEXT NOT NULL, "
                          "found TEXT"));
}

TEST_F(IntrospectTest, EmptyDatabaseHasAnEmptySchema) {
  auto conn = open("a.db", "");
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(read_schema(*conn), IsOkAndHolds(Schema{}));
}

TEST_F(IntrospectTest, TableSqlReturnsTheStoredStatement) {
  auto conn = open("a.db", "create table if not exists t (id  integer)");
  ASSERT_NE(conn, nullptr);
  EXPECT_THAT(table_sql(*conn, "t"), IsOkAndHolds(std::string("CREATE TABLE t (id  integer)")));
  EXPECT_THAT(table_sql(*conn, "nope"), ErrorIs(ErrorCode::not_found, HasSubstr("nope")));
}

}  // namespace
}  // namespace safemig::schema
