// Reading a Schema from its JSON form (see schema_json.h). Boost.JSON is used only through
// its error-code interface here; anything it still throws is caught at the function boundary.
//
// Thread safety: pure functions.
#include <algorithm>
#include <exception>
#include <initializer_list>

#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include "safemig/schema/schema_json.h"

namespace safemig::schema {
namespace {

namespace json = boost::json;

tl::unexpected<Error> shape_error(const std::string& path, const std::string& what) {
  return fail(ErrorCode::invalid_input, "schema JSON: " + path + ": " + what);
}

Result<const json::object*> as_object(const json::value& v, const std::string& path) {
  if (!v.is_object()) return shape_error(path, "expected an object");
  return &v.get_object();
}

// Rejects members of `o` not in `known`.
Result<void> known_keys(const json::object& o, std::initializer_list<std::string_view> known,
                        const std::string& path) {
  for (const auto& member : o) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
      return shape_error(path, "unknown key \"" + std::string(member.key()) + "\"");
    }
  }
  return {};
}

Result<std::string> read_string(const json::value& v, const std::string& path) {
  if (!v.is_string()) return shape_error(path, "expected a string");
  return std::string(v.get_string());
}

// A member that must be present.
Result<const json::value*> required(const json::object& o, std::string_view key,
                                    const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return shape_error(path, "missing key \"" + std::string(key) + "\"");
  return v;
}

Result<std::string> string_member(const json::object& o, std::string_view key,
                                  const std::string& path, std::string fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  return read_string(*v, path + "." + std::string(key));
}

Result<std::string> required_string(const json::object& o, std::string_view key,
                                    const std::string& path) {
  SAFEMIG_TRY(const json::value* v, required(o, key, path));
  return read_string(*v, path + "." + std::string(key));
}

Result<bool> bool_member(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return false;
  if (!v->is_bool()) return shape_error(path + "." + std::string(key), "expected true or false");
  return v->get_bool();
}

Result<int> position_member(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= 1000) {
    return static_cast<int>(v->get_int64());
  }
  if (v->is_uint64() && v->get_uint64() <= 1000) return static_cast<int>(v->get_uint64());
  return shape_error(path + "." + std::string(key), "expected an integer from 0 to 1000");
}

Result<std::optional<std::string>> optional_string_member(const json::object& o,
                                                          std::string_view key,
                                                          const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  SAFEMIG_TRY(auto text, read_string(*v, path + "." + std::string(key)));
  return std::optional<std::string>(std::move(text));
}

Result<std::vector<std::string>> read_string_list(const json::value& v, const std::string& path) {
  if (!v.is_array()) return shape_error(path, "expected an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    SAFEMIG_TRY(auto text, read_string(v.get_array()[i], path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(text));
  }
  return out;
}

Result<std::vector<std::string>> string_list_member(const json::object& o, std::string_view key,
                                                    const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::vector<std::string>();
  return read_string_list(*v, path + "." + std::string(key));
}

// Applies `read(element, element_path)` to each element of the array member `key`.
template <typename T, typename F>
Result<std::vector<T>> list_member(const json::object& o, std::string_view key,
                                   const std::string& path, F read) {
  std::vector<T> out;
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return out;
  const std::string list_path = path + "." + std::string(key);
  if (!v->is_array()) return shape_error(list_path, "expected an array");
  for (std::size_t i = 0; i < v->get_array().size(); ++i) {
    SAFEMIG_TRY(T item, read(v->get_array()[i], list_path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(item));
  }
  return out;
}

Result<Column> read_column(const json::value& v, const std::string& path) {
  SAFEMIG_TRY(const json::object* o, as_object(v, path));
  SAFEMIG_TRY_VOID(known_keys(*o, {"name", "type", "not_null", "default", "primary_key"}, path));
  Column c;
  SAFEMIG_TRY(c.name, required_string(*o, "name", path));
  SAFEMIG_TRY(c.type, string_member(*o, "type", path, ""));
  SAFEMIG_TRY(c.not_null, bool_member(*o, "not_null", path));
  SAFEMIG_TRY(c.default_value, optional_string_member(*o, "default", path));
  SAFEMIG_TRY(c.primary_key_position, position_member(*o, "primary_key", path));
  return c;
}

Result<Index> read_index(const json::value& v, const std::string& path) {
  SAFEMIG_TRY(const json::object* o, as_object(v, path));
  SAFEMIG_TRY_VOID(known_keys(*o, {"name", "columns", "unique", "where"}, path));
  Index i;
  SAFEMIG_TRY(i.name, required_string(*o, "name", path));
  SAFEMIG_TRY(const json::value* columns, required(*o, "columns", path));
  SAFEMIG_TRY(i.columns, read_string_list(*columns, path + ".columns"));
  SAFEMIG_TRY(i.unique, bool_member(*o, "unique", path));
  SAFEMIG_TRY(i.where, optional_string_member(*o, "where", path));
  return i;
}

Result<ForeignKey> read_foreign_key(const json::value& v, const std::string& path) {
  SAFEMIG_TRY(const json::object* o, as_object(v, path));
  SAFEMIG_TRY_VOID(known_keys(
      *o, {"columns", "references", "referenced_columns", "on_delete", "on_update"}, path));
  ForeignKey fk;
  SAFEMIG_TRY(const json::value* columns, required(*o, "columns", path));
  SAFEMIG_TRY(fk.columns, read_string_list(*columns, path + ".columns"));
  SAFEMIG_TRY(fk.referenced_table, required_string(*o, "references", path));
  SAFEMIG_TRY(fk.referenced_columns, string_list_member(*o, "referenced_columns", path));
  SAFEMIG_TRY(fk.on_delete, string_member(*o, "on_delete", path, "NO ACTION"));
  SAFEMIG_TRY(fk.on_update, string_member(*o, "on_update", path, "NO ACTION"));
  return fk;
}

Result<Table> read_table(const std::string& name, const json::value& v, const std::string& path) {
  SAFEMIG_TRY(const json::object* o, as_object(v, path));
  SAFEMIG_TRY_VOID(
      known_keys(*o, {"columns", "indexes", "unique_constraints", "foreign_keys", "checks"}, path));
  Table t;
  t.name = name;
  SAFEMIG_TRY(t.columns, list_member<Column>(*o, "columns", path, read_column));
  SAFEMIG_TRY(t.indexes, list_member<Index>(*o, "indexes", path, read_index));
  SAFEMIG_TRY(t.unique_constraints, list_member<std::vector<std::string>>(*o, "unique_constraints",
                                                                          path, read_string_list));
  SAFEMIG_TRY(t.foreign_keys, list_member<ForeignKey>(*o, "foreign_keys", path, read_foreign_key));
  SAFEMIG_TRY(t.checks, string_list_member(*o, "checks", path));
  return t;
}

Result<std::map<std::string, std::string>> read_statements(const json::object& root,
                                                           std::string_view key) {
  std::map<std::string, std::string> out;
  const json::value* v = root.if_contains(key);
  if (v == nullptr) return out;
  SAFEMIG_TRY(const json::object* o, as_object(*v, std::string(key)));
  for (const auto& member : *o) {
    const std::string name(member.key());
    SAFEMIG_TRY(out[name], read_string(member.value(), std::string(key) + "." + name));
  }
  return out;
}

// "line L, column C" of byte `offset` in `text`.
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Result<json::value> parse_json(std::string_view text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return fail(ErrorCode::invalid_input, "schema JSON is not valid JSON at " +
                                              position_of(text, consumed) + ": " + ec.message());
  }
  return parser.release();
}

Result<Schema> read_schema_json(std::string_view text) {
  SAFEMIG_TRY(json::value root_value, parse_json(text));
  SAFEMIG_TRY(const json::object* root, as_object(root_value, "(top level)"));
  SAFEMIG_TRY_VOID(known_keys(*root, {"tables", "views", "triggers"}, "(top level)"));
  Schema schema;
  if (const json::value* tables = root->if_contains("tables")) {
    SAFEMIG_TRY(const json::object* o, as_object(*tables, "tables"));
    for (const auto& member : *o) {
      const std::string name(member.key());
      SAFEMIG_TRY(schema.tables[name], read_table(name, member.value(), "tables." + name));
    }
  }
  SAFEMIG_TRY(schema.views, read_statements(*root, "views"));
  SAFEMIG_TRY(schema.triggers, read_statements(*root, "triggers"));
  return schema;
}

}  // namespace

Result<Schema> schema_from_json(std::string_view json_text) {
  try {
    return read_schema_json(json_text);
  } catch (const std::exception& e) {
    return fail(ErrorCode::invalid_input,
                std::string("schema JSON could not be read: ") + e.what());
  }
}

}  // namespace safemig::schema
