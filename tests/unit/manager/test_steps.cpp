#include "test_steps.h"

#include <unistd.h>

#include "safemig/schema/schema.h"

namespace safemig::migrate::test_steps {
namespace {

using schema::SchemaBuilder;
using schema::TableBuilder;

constexpr const char* kV1 = R"sql(
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE,
  note TEXT
);
CREATE INDEX child_by_parent ON child(parent_id);
)sql";

constexpr const char* kSlowStatement =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
    "SELECT count(*) FROM c;";

constexpr const char* kV2 = "ALTER TABLE parent ADD COLUMN email TEXT;";
constexpr const char* kV2Edited = "ALTER TABLE parent ADD COLUMN email TEXT DEFAULT '';";
constexpr const char* kV2Down = "ALTER TABLE parent DROP COLUMN email;";

std::string rebuild_parent(const std::string& select_columns, const std::string& where,
                           bool with_check) {
  return std::string("CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL") +
         (with_check ? " CHECK (length(name) > 0)" : "") +
         ", email TEXT);\n"
         "INSERT INTO new_parent (id, name, email) SELECT " +
         select_columns + " FROM parent" + where +
         ";\n"
         "DROP TABLE parent;\n"
         "ALTER TABLE new_parent RENAME TO parent;\n";
}

void parent_v1(TableBuilder& t) {
  t.column("id", "INTEGER").primary_key();
  t.column("name", "TEXT").not_null();
}

void child_v1(TableBuilder& t) {
  t.column("id", "INTEGER").primary_key();
  t.column("parent_id", "INTEGER").not_null();
  t.column("note", "TEXT");
  t.foreign_key({"parent_id"}, "parent", {"id"}, "CASCADE");
  t.index("child_by_parent", {"parent_id"});
}

schema::Schema expected_v1() {
  return SchemaBuilder().table("parent", parent_v1).table("child", child_v1).build();
}

schema::Schema expected_v2() {
  return SchemaBuilder(expected_v1())
      .table("parent",
             [](TableBuilder& t) {
               parent_v1(t);
               t.column("email", "TEXT");
             })
      .build();
}

schema::Schema expected_v3(bool with_nickname) {
  return SchemaBuilder(expected_v1())
      .table("parent",
             [&](TableBuilder& t) {
               parent_v1(t);
               t.column("email", "TEXT");
               if (with_nickname) t.column("nickname", "TEXT");
               t.check("length(name) > 0");
             })
      .build();
}

[[noreturn]] void die() { ::_exit(kDeathExitCode); }

}  // namespace

Result<MigrationSet> parent_child_set(Variant variant) {
  MigrationStep v1;
  v1.version = 1;
  v1.name = "create_tables";
  v1.up = std::string(kV1) + (variant == Variant::slow_v1 ? kSlowStatement : "");
  v1.expected_schema = expected_v1();

  MigrationStep v2;
  v2.version = 2;
  v2.name = "add_email";
  v2.touched_tables = {"parent"};
  v2.up = std::string(variant == Variant::edited_v2 ? kV2Edited : kV2);
  v2.down = std::string(kV2Down);
  v2.expected_schema = expected_v2();

  MigrationStep v3;
  v3.version = 3;
  v3.name = "rebuild_parent";
  v3.touched_tables = {"parent"};
  v3.rebuilds_tables = true;
  v3.up = rebuild_parent("id, name, email", "", true);
  v3.down = rebuild_parent("id, name, email", "", false);
  v3.verify_sql = {"SELECT count(*) = 0 FROM parent WHERE length(name) = 0"};
  v3.expected_schema = expected_v3(false);

  switch (variant) {
    case Variant::wrong_expected_schema:
      v3.expected_schema = expected_v3(true);
      break;
    case Variant::loses_rows:
      v3.up = rebuild_parent("id, name, email", " WHERE id > 1", true);
      break;
    case Variant::orphans_children:
      v3.up = rebuild_parent("id + 1000, name, email", "", true);
      break;
    case Variant::failing_verify:
      v3.verify_sql = {"SELECT 0"};
      break;
    case Variant::non_transactional_fails:
      v3.transactional = false;
      v3.up = std::string(
          "CREATE TABLE scratch (x); INSERT INTO scratch VALUES (1); "
          "INSERT INTO no_such_table VALUES (1);");
      break;
    case Variant::dies_in_transaction:
      v3.definition = "rebuild parent, then die";
      v3.up = StepCallable([](db::Connection& conn) -> Result<void> {
        SAFEMIG_TRY_VOID(conn.execute_script(rebuild_parent("id, name, email", "", true)));
        die();
      });
      break;
    case Variant::dies_outside_transaction:
      v3.transactional = false;
      v3.definition = "create scratch, then die";
      v3.up = StepCallable([](db::Connection& conn) -> Result<void> {
        SAFEMIG_TRY_VOID(conn.execute_script(
            "CREATE TABLE scratch (x); INSERT INTO scratch VALUES (1); DELETE FROM child;"));
        die();
      });
      break;
    default:
      break;
  }
  return MigrationSet::create({std::move(v1), std::move(v2), std::move(v3)}, "test steps");
}

Result<void> populate(db::Connection& conn, int parents, int children_per_parent) {
  SAFEMIG_TRY_VOID(conn.begin(db::TransactionMode::immediate));
  for (std::int64_t p = 1; p <= parents; ++p) {
    SAFEMIG_TRY_VOID(conn.execute("INSERT INTO parent (id, name) VALUES (?, ?)",
                                  {p, "parent " + std::to_string(p)}));
    if (p == 1) continue;
    for (int c = 0; c < children_per_parent; ++c) {
      SAFEMIG_TRY_VOID(conn.execute("INSERT INTO child (parent_id, note) VALUES (?, ?)",
                                    {p, "child " + std::to_string(c)}));
    }
  }
  return conn.commit();
}

}  // namespace safemig::migrate::test_steps
