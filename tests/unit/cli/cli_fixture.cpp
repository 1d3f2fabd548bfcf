// CliTest fixture: in-process runs of run_cli on temporary files.
//
// Thread safety: see cli_fixture.h.
#include "cli_fixture.h"

#include <sqlite3.h>

#include <filesystem>
#include <sstream>

#include "safemig/migrate/step.h"
#include "safemig/schema/schema.h"

namespace safemig::cli::testing {
namespace {

// V1 creates items(id, name NOT NULL); V2 adds a column qty with a default. Both declare their
// expected schemas, so verify compares the live schema.
Result<migrate::MigrationSet> default_set() {
  using schema::SchemaBuilder;
  using schema::TableBuilder;
  migrate::MigrationStep v1;
  v1.version = 1;
  v1.name = "create_items";
  v1.up = std::string("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
  v1.down = std::string("DROP TABLE items;");
  v1.row_policy = migrate::RowPolicy::declared_change;
  v1.expected_schema = SchemaBuilder()
                           .table("items",
                                  [](TableBuilder& t) {
                                    t.column("id", "INTEGER").primary_key();
                                    t.column("name", "TEXT").not_null();
                                  })
                           .build();
  migrate::MigrationStep v2;
  v2.version = 2;
  v2.name = "add_qty";
  v2.touched_tables = {"items"};
  v2.up = std::string("ALTER TABLE items ADD COLUMN qty INTEGER NOT NULL DEFAULT 0;");
  v2.down = std::string("ALTER TABLE items DROP COLUMN qty;");
  v2.expected_schema = SchemaBuilder(*v1.expected_schema)
                           .alter_table("items",
                                        [](TableBuilder& t) {
                                          t.column("qty", "INTEGER").not_null().default_value("0");
                                        })
                           .build();
  return migrate::MigrationSet::create({v1, v2}, "test default migrations");
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const CliRun& run) {
  return os << "exit " << run.code << "\n--- stdout\n" << run.out << "--- stderr\n" << run.err;
}

CliTest::CliTest() : db(tmp.file("app.db")), dir(tmp.file("migrations")) {
  std::filesystem::create_directory(dir);
  env.program_name = "safemig";
  env.default_migrations = default_set;
  env.extra_verify = [this](db::Connection&) -> Result<std::vector<std::string>> {
    return findings;
  };
  env.stderr_is_terminal = false;
  env.lookup_env = [this](std::string_view name) -> std::optional<std::string> {
    auto it = env_vars.find(std::string(name));
    if (it == env_vars.end()) return std::nullopt;
    return it->second;
  };
}

CliRun CliTest::run(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"safemig"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  CliRun result;
  result.code = run_cli(static_cast<int>(argv.size()), argv.data(), env, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

CliRun CliTest::run_sql(const std::vector<std::string>& args) {
  std::vector<std::string> all{"--db", db, "--dir", dir};
  all.insert(all.end(), args.begin(), args.end());
  return run(all);
}

CliRun CliTest::run_default(const std::vector<std::string>& args) {
  std::vector<std::string> all{"--db", db};
  all.insert(all.end(), args.begin(), args.end());
  return run(all);
}

void CliTest::write_migration(const std::string& name, const std::string& sql) {
  safemig::testing::write_file(dir + "/" + name, sql);
}

void CliTest::write_two_steps() {
  write_migration("V1__create.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n");
  write_migration("V2__add.sql", "ALTER TABLE t ADD COLUMN w INTEGER;\n");
}

void CliTest::exec(const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(handle);
  ASSERT_EQ(rc, SQLITE_OK) << text;
}

std::string CliTest::query(const std::string& sql) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(handle);
    return "<cannot open>";
  }
  sqlite3_stmt* stmt = nullptr;
  std::string value = "<no row>";
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    value = text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return value;
}

}  // namespace safemig::cli::testing
