// SQLite introspection (see introspect.h).
//
// Thread safety: see introspect.h.
#include "safemig/schema/introspect.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "create_statement.h"
#include "safemig/schema/normalize.h"

namespace safemig::schema {
namespace {

struct CatalogueEntry {
  std::string type;  // "table", "index", "view", "trigger"
  std::string name;
  std::string table;
  std::string sql;  // Empty for automatic indexes.
};

Result<std::vector<CatalogueEntry>> read_catalogue(db::Connection& connection) {
  SAFEMIG_TRY(auto rows, connection.query("SELECT type, name, tbl_name, sql FROM sqlite_schema "
                                          "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                          "AND name NOT LIKE '\\_safemig\\_%' ESCAPE '\\' "
                                          "AND tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                          "AND tbl_name NOT LIKE '\\_safemig\\_%' ESCAPE '\\' "
                                          "ORDER BY name"));
  std::vector<CatalogueEntry> entries;
  for (const auto& row : rows) {
    entries.push_back({row.text(0), row.text(1), row.text(2), row.text(3)});
  }
  return entries;
}

Result<std::vector<Column>> read_columns(db::Connection& connection, const std::string& table) {
  SAFEMIG_TRY(auto rows, connection.query("SELECT name, type, \"notnull\", dflt_value, pk "
                                          "FROM pragma_table_xinfo(?) WHERE hidden != 1 "
                                          "ORDER BY cid",
                                          {table}));
  std::vector<Column> columns;
  for (const auto& row : rows) {
    Column c;
    c.name = row.text(0);
    c.type = row.text(1);
    c.not_null = row.int64(2) != 0;
    c.default_value = row.opt_text(3);
    c.primary_key_position = static_cast<int>(row.int64(4));
    columns.push_back(std::move(c));
  }
  return columns;
}

// One key column of an index: its name, or for an expression the term from the CREATE INDEX
// text, with COLLATE and DESC when they are not the defaults.
std::string index_term(const db::Row& row, const detail::IndexParts& parts) {
  const auto seqno = static_cast<std::size_t>(row.int64(0));
  if (row.int64(1) == -2) return seqno < parts.terms.size() ? parts.terms[seqno] : "";
  std::string term = db::quote_identifier(row.text(2));
  std::string collation = row.text(3);
  std::transform(collation.begin(), collation.end(), collation.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  if (!collation.empty() && collation != "BINARY") term += " COLLATE " + collation;
  if (row.int64(4) != 0) term += " DESC";
  return term;
}

Result<std::vector<std::string>> read_index_terms(db::Connection& connection,
                                                  const std::string& index,
                                                  const std::string& create_sql) {
  SAFEMIG_TRY(auto rows, connection.query("SELECT seqno, cid, name, coll, \"desc\" "
                                          "FROM pragma_index_xinfo(?) WHERE key = 1 "
                                          "ORDER BY seqno",
                                          {index}));
  const auto parts = detail::index_parts(create_sql);
  std::vector<std::string> terms;
  for (const auto& row : rows) terms.push_back(index_term(row, parts));
  return terms;
}

// Explicit indexes (origin 'c') and UNIQUE constraints (origin 'u') of `table`.
Result<void> read_indexes(db::Connection& connection,
                          const std::map<std::string, std::string>& index_sql, Table& table) {
  SAFEMIG_TRY(auto rows,
              connection.query("SELECT name, \"unique\", origin FROM pragma_index_list(?) "
                               "ORDER BY name",
                               {table.name}));
  for (const auto& row : rows) {
    const std::string name = row.text(0);
    const std::string origin = row.text(2);
    if (origin == "c") {
      auto sql = index_sql.find(name);
      const std::string create_sql = sql == index_sql.end() ? "" : sql->second;
      Index index;
      index.name = name;
      index.unique = row.int64(1) != 0;
      SAFEMIG_TRY(index.columns, read_index_terms(connection, name, create_sql));
      index.where = detail::index_parts(create_sql).where;
      table.indexes.push_back(std::move(index));
    } else if (origin == "u") {
      SAFEMIG_TRY(auto cols, connection.query("SELECT name FROM pragma_index_info(?) "
                                              "ORDER BY seqno",
                                              {name}));
      std::vector<std::string> unique;
      for (const auto& c : cols) unique.push_back(c.text(0));
      table.unique_constraints.push_back(std::move(unique));
    }
  }
  return {};
}

Result<std::vector<ForeignKey>> read_foreign_keys(db::Connection& connection,
                                                  const std::string& table) {
  SAFEMIG_TRY(auto rows,
              connection.query("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete "
                               "FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                               {table}));
  std::map<std::int64_t, ForeignKey> by_id;
  for (const auto& row : rows) {
    ForeignKey& fk = by_id[row.int64(0)];
    fk.referenced_table = row.text(1);
    fk.columns.push_back(row.text(2));
    if (auto to = row.opt_text(3)) fk.referenced_columns.push_back(*to);
    fk.on_update = row.text(4);
    fk.on_delete = row.text(5);
  }
  std::vector<ForeignKey> keys;
  for (auto& [id, fk] : by_id) keys.push_back(std::move(fk));
  return keys;
}

Result<Table> read_table(db::Connection& connection, const CatalogueEntry& entry,
                         const std::map<std::string, std::string>& index_sql) {
  Table table;
  table.name = entry.name;
  SAFEMIG_TRY(table.columns, read_columns(connection, entry.name));
  SAFEMIG_TRY_VOID(read_indexes(connection, index_sql, table));
  SAFEMIG_TRY(table.foreign_keys, read_foreign_keys(connection, entry.name));
  table.checks = detail::table_checks(entry.sql);
  return table;
}

}  // namespace

Result<Schema> read_schema(db::Connection& connection) {
  if (connection.dialect() != db::Dialect::sqlite) {
    return fail(ErrorCode::invalid_input,
                "schema introspection supports SQLite databases only (this connection is not "
                "SQLite)");
  }
  SAFEMIG_TRY(auto entries, read_catalogue(connection));
  std::map<std::string, std::string> index_sql;
  for (const auto& e : entries) {
    if (e.type == "index") index_sql[e.name] = e.sql;
  }
  Schema schema;
  for (const auto& e : entries) {
    if (e.type == "table") {
      SAFEMIG_TRY(auto table, read_table(connection, e, index_sql));
      schema.tables[e.name] = std::move(table);
    } else if (e.type == "view") {
      schema.views[e.name] = e.sql;
    } else if (e.type == "trigger") {
      schema.triggers[e.name] = e.sql;
    }
  }
  return normalize_schema(schema);
}

Result<std::string> table_sql(db::Connection& connection, const std::string& table) {
  SAFEMIG_TRY(
      auto rows,
      connection.query("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", {table}));
  if (rows.empty()) return fail(ErrorCode::not_found, "no table named '" + table + "'");
  return rows.front().text(0);
}

}  // namespace safemig::schema
