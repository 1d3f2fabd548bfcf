// Schema: a small declarative model of a database schema, and a terse builder for it.
//
// Used both for the expected schema a migration step declares and for the live schema read
// from the engine's catalogue (introspect.h). Two Schemas are compared after normalisation
// (diff.h). Tables whose names start with "_safemig_" or "sqlite_" are safemig's or the
// engine's own and are never part of a Schema.
//
// Thread safety: plain value types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace safemig::schema {

struct Column {
  std::string name;
  std::string type;  // Declared type as written ("INTEGER", "TEXT", "REAL"); normalised upper.
  bool not_null = false;
  std::optional<std::string> default_value;  // Default expression as SQL text, if any.
  int primary_key_position = 0;              // 0 = not in the primary key; 1.. = position.
  friend bool operator==(const Column&, const Column&) = default;
};

struct Index {
  std::string name;
  std::vector<std::string> columns;  // Column names or expressions, in order.
  bool unique = false;
  std::optional<std::string> where;  // Partial index predicate.
  friend bool operator==(const Index&, const Index&) = default;
};

struct ForeignKey {
  std::vector<std::string> columns;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  std::string on_delete = "NO ACTION";
  std::string on_update = "NO ACTION";
  friend bool operator==(const ForeignKey&, const ForeignKey&) = default;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<Index> indexes;  // Explicit indexes (CREATE INDEX), not autoindexes.
  std::vector<ForeignKey> foreign_keys;
  std::vector<std::string> checks;  // CHECK expressions (table and column level), as SQL.
  std::vector<std::vector<std::string>> unique_constraints;  // UNIQUE (a, b) and column UNIQUE.
  friend bool operator==(const Table&, const Table&) = default;

  // Returns the column named `column_name` (exact spelling), or nullptr when there is none.
  const Column* find_column(const std::string& column_name) const;
};

struct Schema {
  std::map<std::string, Table> tables;          // Keyed by table name.
  std::map<std::string, std::string> views;     // name -> normalised SQL.
  std::map<std::string, std::string> triggers;  // name -> normalised SQL.
  friend bool operator==(const Schema&, const Schema&) = default;
};

// Terse construction of an expected schema:
//
//   Schema s = SchemaBuilder()
//       .table("t", [](TableBuilder& t) {
//         t.column("id", "INTEGER").primary_key();
//         t.column("v", "TEXT").not_null().default_value("''");
//         t.index("t_by_v", {"v"});
//         t.check("length(v) < 100");
//       })
//       .build();
class TableBuilder;

class ColumnBuilder {
 public:
  explicit ColumnBuilder(Column& column) : column_(&column) {}
  ColumnBuilder& not_null();
  // `sql` is the default expression as SQL text: "0", "'text'", "CURRENT_TIMESTAMP".
  ColumnBuilder& default_value(std::string sql);
  // Marks the column as the `position`-th (1-based) column of the table's primary key.
  ColumnBuilder& primary_key(int position = 1);

 private:
  Column* column_;
};

class TableBuilder {
 public:
  explicit TableBuilder(Table& table) : table_(&table) {}
  // Declares a column at the end of the table. Declaring a column that already exists replaces
  // its definition in place (same position), so alter_table can change a column.
  ColumnBuilder column(std::string name, std::string type);
  // Removes the column `name` and every index, UNIQUE and foreign key naming it; no effect
  // when there is no such column.
  TableBuilder& drop_column(const std::string& name);
  // Removes the index `name`; no effect when there is none.
  TableBuilder& drop_index(const std::string& name);
  // Removes the CHECK whose text equals `expression` exactly; no effect when there is none.
  TableBuilder& drop_check(const std::string& expression);
  // Adds a CREATE INDEX; `columns` are names or expressions, optionally with COLLATE/DESC.
  TableBuilder& index(std::string name, std::vector<std::string> columns,
                      std::optional<std::string> where = std::nullopt);
  TableBuilder& unique_index(std::string name, std::vector<std::string> columns,
                             std::optional<std::string> where = std::nullopt);
  // Adds a UNIQUE constraint of the table definition (table or column level).
  TableBuilder& unique(std::vector<std::string> columns);
  TableBuilder& foreign_key(std::vector<std::string> columns, std::string referenced_table,
                            std::vector<std::string> referenced_columns,
                            std::string on_delete = "NO ACTION",
                            std::string on_update = "NO ACTION");
  // Adds a CHECK (table or column level); `expression` is the text inside CHECK(...).
  TableBuilder& check(std::string expression);

 private:
  Table* table_;
};

class SchemaBuilder {
 public:
  SchemaBuilder() = default;
  // Starts from an existing schema (each version's expectation extends the previous one).
  explicit SchemaBuilder(Schema base) : schema_(std::move(base)) {}

  // Declares the table `name` with `define(TableBuilder&)`, replacing any table of that name.
  template <typename F>
  SchemaBuilder& table(std::string name, F&& define) {
    Table& t = schema_.tables[name];
    t = Table{};
    t.name = std::move(name);
    TableBuilder builder(t);
    define(builder);
    return *this;
  }
  // Edits the table `name` of the schema so far (used when version N+1 changes version N's
  // expectation, e.g. adds a column); a table that does not exist yet is created empty first.
  template <typename F>
  SchemaBuilder& alter_table(const std::string& name, F&& edit) {
    auto [it, inserted] = schema_.tables.try_emplace(name);
    if (inserted) {
      it->second.name = name;
    }
    TableBuilder builder(it->second);
    edit(builder);
    return *this;
  }
  // Removes the table `name`; no effect when there is none.
  SchemaBuilder& drop_table(const std::string& name);
  // Declares a view or trigger by its whole CREATE statement (replacing one of that name).
  SchemaBuilder& view(std::string name, std::string sql);
  SchemaBuilder& trigger(std::string name, std::string sql);
  Schema build() const { return schema_; }

 private:
  Schema schema_;
};

}  // namespace safemig::schema
