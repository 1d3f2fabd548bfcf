// Text renderings of schema parts (see render.h).
//
// Thread safety: pure functions.
#include "render.h"

#include <algorithm>

namespace safemig::schema::detail {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string parenthesised(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : "(" + join(items) + ")";
}

std::string column_definition(const Column& column) {
  std::string out = column.type.empty() ? "(no type)" : column.type;
  if (column.not_null) out += " NOT NULL";
  if (column.default_value) out += " DEFAULT " + *column.default_value;
  return out;
}

std::vector<std::string> primary_key_columns(const Table& table) {
  std::vector<const Column*> key;
  for (const auto& c : table.columns) {
    if (c.primary_key_position > 0) key.push_back(&c);
  }
  std::stable_sort(key.begin(), key.end(), [](const Column* a, const Column* b) {
    return a->primary_key_position < b->primary_key_position;
  });
  std::vector<std::string> names;
  for (const Column* c : key) names.push_back(c->name);
  return names;
}

std::string foreign_key_target(const ForeignKey& fk) {
  std::string out = "REFERENCES " + fk.referenced_table;
  if (!fk.referenced_columns.empty()) out += "(" + join(fk.referenced_columns) + ")";
  if (fk.on_delete != "NO ACTION") out += " ON DELETE " + fk.on_delete;
  if (fk.on_update != "NO ACTION") out += " ON UPDATE " + fk.on_update;
  return out;
}

std::string index_shape(const Index& index) {
  std::string out = parenthesised(index.columns);
  if (index.where) out += " WHERE " + *index.where;
  return out;
}

}  // namespace safemig::schema::detail
