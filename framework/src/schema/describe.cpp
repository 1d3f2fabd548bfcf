// The human-readable listing of a Schema (see schema_json.h).
//
// Thread safety: pure functions.
#include "render.h"
#include "safemig/schema/schema_json.h"

namespace safemig::schema {
namespace {

void describe_table(const Table& table, std::string& out) {
  out += "table " + table.name + "\n";
  const auto key = detail::primary_key_columns(table);
  for (const auto& c : table.columns) {
    out += "  " + c.name + " " + detail::column_definition(c);
    if (key.size() == 1 && c.primary_key_position > 0) out += " PRIMARY KEY";
    out += "\n";
  }
  if (key.size() > 1) out += "  primary key " + detail::parenthesised(key) + "\n";
  for (const auto& u : table.unique_constraints) {
    out += "  unique " + detail::parenthesised(u) + "\n";
  }
  for (const auto& fk : table.foreign_keys) {
    out += "  foreign key " + detail::parenthesised(fk.columns) + " " +
           detail::foreign_key_target(fk) + "\n";
  }
  for (const auto& check : table.checks) out += "  check (" + check + ")\n";
  for (const auto& index : table.indexes) {
    out += std::string("  ") + (index.unique ? "unique index " : "index ") + index.name + " " +
           detail::index_shape(index) + "\n";
  }
}

}  // namespace

std::string describe(const Schema& schema) {
  std::string out;
  for (const auto& [name, table] : schema.tables) describe_table(table, out);
  for (const auto& [name, sql] : schema.views) out += "view " + name + "\n  " + sql + "\n";
  for (const auto& [name, sql] : schema.triggers) out += "trigger " + name + "\n  " + sql + "\n";
  return out.empty() ? "(empty schema)\n" : out;
}

}  // namespace safemig::schema
