// Comparing an expected schema with an actual one (see diff.h).
//
// Thread safety: pure functions.
#include "safemig/schema/diff.h"

#include <algorithm>
#include <set>

#include "render.h"
#include "safemig/schema/normalize.h"

namespace safemig::schema {
namespace {

constexpr const char* kMissing = ": missing (expected but not found)";
constexpr const char* kUnexpected = ": unexpected (found but not expected)";

using Lines = std::vector<std::string>;

bool same_definition(const Column& a, const Column& b) {
  return a.type == b.type && a.not_null == b.not_null && a.default_value == b.default_value;
}

std::vector<std::string> column_names(const std::vector<Column>& columns,
                                      const std::set<std::string>& keep) {
  std::vector<std::string> names;
  for (const auto& c : columns) {
    if (keep.contains(c.name)) names.push_back(c.name);
  }
  return names;
}

void diff_columns(const std::string& prefix, const Table& expected, const Table& actual,
                  Lines& out) {
  std::set<std::string> common;
  for (const auto& e : expected.columns) {
    const Column* a = actual.find_column(e.name);
    if (a == nullptr) {
      out.push_back(prefix + "column " + e.name + kMissing);
      continue;
    }
    common.insert(e.name);
    if (!same_definition(e, *a)) {
      out.push_back(prefix + "column " + e.name + ": expected " + detail::column_definition(e) +
                    ", found " + detail::column_definition(*a));
    }
  }
  for (const auto& a : actual.columns) {
    if (expected.find_column(a.name) == nullptr) {
      out.push_back(prefix + "column " + a.name + kUnexpected);
    }
  }
  auto expected_order = column_names(expected.columns, common);
  auto actual_order = column_names(actual.columns, common);
  if (expected_order != actual_order) {
    out.push_back(prefix + "columns in a different order: expected " +
                  detail::parenthesised(expected_order) + ", found " +
                  detail::parenthesised(actual_order));
  }
  auto expected_key = detail::primary_key_columns(expected);
  auto actual_key = detail::primary_key_columns(actual);
  if (expected_key != actual_key) {
    out.push_back(prefix + "primary key: expected " + detail::parenthesised(expected_key) +
                  ", found " + detail::parenthesised(actual_key));
  }
}

std::string describe_where(const std::optional<std::string>& where) {
  return where ? "WHERE " + *where : "no WHERE";
}

void diff_index(const std::string& prefix, const Index& e, const Index& a, Lines& out) {
  const std::string head = prefix + "index " + e.name + ": ";
  if (e.columns != a.columns) {
    out.push_back(head + "expected columns " + detail::parenthesised(e.columns) + ", found " +
                  detail::parenthesised(a.columns));
  }
  if (e.unique != a.unique) {
    out.push_back(head + (e.unique ? "expected UNIQUE, found not unique"
                                   : "expected not unique, found UNIQUE"));
  }
  if (e.where != a.where) {
    out.push_back(head + "expected " + describe_where(e.where) + ", found " +
                  describe_where(a.where));
  }
}

const Index* find_index(const std::vector<Index>& indexes, const std::string& name) {
  auto it =
      std::find_if(indexes.begin(), indexes.end(), [&](const Index& i) { return i.name == name; });
  return it == indexes.end() ? nullptr : &*it;
}

void diff_indexes(const std::string& prefix, const Table& expected, const Table& actual,
                  Lines& out) {
  std::set<std::string> names;
  for (const auto& i : expected.indexes) names.insert(i.name);
  for (const auto& i : actual.indexes) names.insert(i.name);
  for (const auto& name : names) {
    const Index* e = find_index(expected.indexes, name);
    const Index* a = find_index(actual.indexes, name);
    if (a == nullptr) {
      out.push_back(prefix + "index " + name + kMissing);
    } else if (e == nullptr) {
      out.push_back(prefix + "index " + name + kUnexpected);
    } else {
      diff_index(prefix, *e, *a, out);
    }
  }
}

// Elements of `from` that `other` lacks, counted as multisets, in the order of `from`.
template <typename T>
std::vector<T> only_in(const std::vector<T>& from, std::vector<T> other) {
  std::vector<T> out;
  for (const auto& item : from) {
    auto match = std::find(other.begin(), other.end(), item);
    if (match == other.end()) {
      out.push_back(item);
    } else {
      other.erase(match);
    }
  }
  return out;
}

void diff_uniques(const std::string& prefix, const Table& expected, const Table& actual,
                  Lines& out) {
  for (const auto& u : only_in(expected.unique_constraints, actual.unique_constraints)) {
    out.push_back(prefix + "unique " + detail::parenthesised(u) + kMissing);
  }
  for (const auto& u : only_in(actual.unique_constraints, expected.unique_constraints)) {
    out.push_back(prefix + "unique " + detail::parenthesised(u) + kUnexpected);
  }
}

void diff_foreign_keys(const std::string& prefix, const Table& expected, const Table& actual,
                       Lines& out) {
  auto missing = only_in(expected.foreign_keys, actual.foreign_keys);
  auto unexpected = only_in(actual.foreign_keys, expected.foreign_keys);
  for (const auto& e : missing) {
    const std::string head = prefix + "foreign key " + detail::parenthesised(e.columns);
    auto same_columns = std::find_if(unexpected.begin(), unexpected.end(),
                                     [&](const ForeignKey& a) { return a.columns == e.columns; });
    if (same_columns == unexpected.end()) {
      out.push_back(head + " " + detail::foreign_key_target(e) + kMissing);
      continue;
    }
    out.push_back(head + ": expected " + detail::foreign_key_target(e) + ", found " +
                  detail::foreign_key_target(*same_columns));
    unexpected.erase(same_columns);
  }
  for (const auto& a : unexpected) {
    out.push_back(prefix + "foreign key " + detail::parenthesised(a.columns) + " " +
                  detail::foreign_key_target(a) + kUnexpected);
  }
}

void diff_checks(const std::string& prefix, const Table& expected, const Table& actual,
                 Lines& out) {
  for (const auto& c : only_in(expected.checks, actual.checks)) {
    out.push_back(prefix + "check \"" + c + "\"" + kMissing);
  }
  for (const auto& c : only_in(actual.checks, expected.checks)) {
    out.push_back(prefix + "check \"" + c + "\"" + kUnexpected);
  }
}

void diff_tables(const Schema& expected, const Schema& actual, Lines& out) {
  std::set<std::string> names;
  for (const auto& [name, t] : expected.tables) names.insert(name);
  for (const auto& [name, t] : actual.tables) names.insert(name);
  for (const auto& name : names) {
    auto e = expected.tables.find(name);
    auto a = actual.tables.find(name);
    if (a == actual.tables.end()) {
      out.push_back("table " + name + kMissing);
    } else if (e == expected.tables.end()) {
      out.push_back("table " + name + kUnexpected);
    } else {
      const std::string prefix = "table " + name + ": ";
      diff_columns(prefix, e->second, a->second, out);
      diff_indexes(prefix, e->second, a->second, out);
      diff_uniques(prefix, e->second, a->second, out);
      diff_foreign_keys(prefix, e->second, a->second, out);
      diff_checks(prefix, e->second, a->second, out);
    }
  }
}

// Views or triggers: name -> SQL.
void diff_statements(const std::string& kind, const std::map<std::string, std::string>& expected,
                     const std::map<std::string, std::string>& actual, Lines& out) {
  std::set<std::string> names;
  for (const auto& [name, sql] : expected) names.insert(name);
  for (const auto& [name, sql] : actual) names.insert(name);
  for (const auto& name : names) {
    auto e = expected.find(name);
    auto a = actual.find(name);
    if (a == actual.end()) {
      out.push_back(kind + " " + name + kMissing);
    } else if (e == expected.end()) {
      out.push_back(kind + " " + name + kUnexpected);
    } else if (e->second != a->second) {
      out.push_back(kind + " " + name + ": expected " + e->second + ", found " + a->second);
    }
  }
}

}  // namespace

std::string SchemaDiff::to_string() const {
  std::string out;
  for (const auto& line : differences) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

SchemaDiff diff_schemas(const Schema& expected, const Schema& actual) {
  const Schema e = normalize_schema(expected);
  const Schema a = normalize_schema(actual);
  SchemaDiff diff;
  diff_tables(e, a, diff.differences);
  diff_statements("view", e.views, a.views, diff.differences);
  diff_statements("trigger", e.triggers, a.triggers, diff.differences);
  return diff;
}

}  // namespace safemig::schema
