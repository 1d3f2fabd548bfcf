// The canonical form of a whole Schema (see normalize.h).
//
// Thread safety: pure functions.
#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>
#include <vector>

#include "render.h"
#include "safemig/schema/normalize.h"

namespace safemig::schema {
namespace {

std::vector<std::string> names_of(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(normalize_name(n));
  return out;
}

// "set  null" -> "SET NULL".
std::string normalize_action(std::string_view action) {
  std::string out;
  bool pending_space = false;
  for (char c : action) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out.empty() ? "NO ACTION" : out;
}

Column normalize_column(const Column& c) {
  Column out = c;
  out.name = normalize_name(c.name);
  out.type = normalize_type(c.type);
  if (c.default_value) out.default_value = normalize_expression(*c.default_value);
  return out;
}

Index normalize_index(const Index& index) {
  Index out;
  out.name = normalize_name(index.name);
  for (const auto& term : index.columns) out.columns.push_back(normalize_index_term(term));
  out.unique = index.unique;
  if (index.where) out.where = normalize_expression(*index.where);
  return out;
}

ForeignKey normalize_foreign_key(const ForeignKey& fk) {
  return ForeignKey{names_of(fk.columns), normalize_name(fk.referenced_table),
                    names_of(fk.referenced_columns), normalize_action(fk.on_delete),
                    normalize_action(fk.on_update)};
}

Table normalize_table(const Table& table) {
  Table out;
  out.name = normalize_name(table.name);
  for (const auto& c : table.columns) out.columns.push_back(normalize_column(c));
  for (const auto& i : table.indexes) out.indexes.push_back(normalize_index(i));
  std::sort(out.indexes.begin(), out.indexes.end(),
            [](const Index& a, const Index& b) { return a.name < b.name; });
  for (const auto& fk : table.foreign_keys) out.foreign_keys.push_back(normalize_foreign_key(fk));
  for (const auto& check : table.checks) out.checks.push_back(normalize_expression(check));
  std::sort(out.checks.begin(), out.checks.end());
  for (const auto& u : table.unique_constraints) out.unique_constraints.push_back(names_of(u));
  std::sort(out.unique_constraints.begin(), out.unique_constraints.end());
  return out;
}

bool foreign_key_less(const ForeignKey& a, const ForeignKey& b) {
  return std::tie(a.columns, a.referenced_table, a.referenced_columns, a.on_delete, a.on_update) <
         std::tie(b.columns, b.referenced_table, b.referenced_columns, b.on_delete, b.on_update);
}

// A foreign key written "REFERENCES parent" refers to parent's primary key.
void resolve_implicit_references(Schema& schema) {
  for (auto& [name, table] : schema.tables) {
    for (auto& fk : table.foreign_keys) {
      if (!fk.referenced_columns.empty()) continue;
      auto parent = schema.tables.find(fk.referenced_table);
      if (parent != schema.tables.end())
        fk.referenced_columns = detail::primary_key_columns(parent->second);
    }
    std::sort(table.foreign_keys.begin(), table.foreign_keys.end(), foreign_key_less);
  }
}

}  // namespace

Schema normalize_schema(const Schema& schema) {
  Schema out;
  for (const auto& [name, table] : schema.tables) {
    Table t = normalize_table(table);
    t.name = normalize_name(name);
    out.tables[t.name] = std::move(t);
  }
  resolve_implicit_references(out);
  for (const auto& [name, sql] : schema.views) out.views[normalize_name(name)] = normalize_sql(sql);
  for (const auto& [name, sql] : schema.triggers) {
    out.triggers[normalize_name(name)] = normalize_sql(sql);
  }
  return out;
}

}  // namespace safemig::schema
