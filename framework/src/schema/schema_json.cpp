// Writing a Schema as JSON (see schema_json.h).
//
// Thread safety: pure functions.
#include "safemig/schema/schema_json.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "json_pretty.h"

namespace safemig::schema {
namespace {

namespace json = boost::json;

json::value optional_text(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

json::array text_list(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

json::object column_json(const Column& c) {
  json::object o;
  o["name"] = c.name;
  o["type"] = c.type;
  o["not_null"] = c.not_null;
  o["default"] = optional_text(c.default_value);
  o["primary_key"] = c.primary_key_position;
  return o;
}

json::object index_json(const Index& i) {
  json::object o;
  o["name"] = i.name;
  o["columns"] = text_list(i.columns);
  o["unique"] = i.unique;
  o["where"] = optional_text(i.where);
  return o;
}

json::object foreign_key_json(const ForeignKey& fk) {
  json::object o;
  o["columns"] = text_list(fk.columns);
  o["references"] = fk.referenced_table;
  o["referenced_columns"] = text_list(fk.referenced_columns);
  o["on_delete"] = fk.on_delete;
  o["on_update"] = fk.on_update;
  return o;
}

json::object table_json(const Table& t) {
  json::object o;
  json::array columns;
  for (const auto& c : t.columns) columns.emplace_back(column_json(c));
  o["columns"] = std::move(columns);
  json::array indexes;
  for (const auto& i : t.indexes) indexes.emplace_back(index_json(i));
  o["indexes"] = std::move(indexes);
  json::array uniques;
  for (const auto& u : t.unique_constraints) uniques.emplace_back(text_list(u));
  o["unique_constraints"] = std::move(uniques);
  json::array foreign_keys;
  for (const auto& fk : t.foreign_keys) foreign_keys.emplace_back(foreign_key_json(fk));
  o["foreign_keys"] = std::move(foreign_keys);
  o["checks"] = text_list(t.checks);
  return o;
}

json::object statements_json(const std::map<std::string, std::string>& statements) {
  json::object o;
  for (const auto& [name, sql] : statements) o[name] = sql;
  return o;
}

}  // namespace

std::string to_json(const Schema& schema) {
  json::object root;
  json::object tables;
  for (const auto& [name, table] : schema.tables) tables[name] = table_json(table);
  root["tables"] = std::move(tables);
  root["views"] = statements_json(schema.views);
  root["triggers"] = statements_json(schema.triggers);
  return detail::pretty_json(root) + "\n";
}

}  // namespace safemig::schema
