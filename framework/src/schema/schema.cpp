// The Schema builder: terse construction of expected schemas (see schema.h).
//
// Thread safety: builders edit the value they were given; use one builder per thread.
#include "safemig/schema/schema.h"

#include <algorithm>

namespace safemig::schema {

const Column* Table::find_column(const std::string& column_name) const {
  auto it = std::find_if(columns.begin(), columns.end(),
                         [&](const Column& c) { return c.name == column_name; });
  return it == columns.end() ? nullptr : &*it;
}

ColumnBuilder& ColumnBuilder::not_null() {
  column_->not_null = true;
  return *this;
}

ColumnBuilder& ColumnBuilder::default_value(std::string sql) {
  column_->default_value = std::move(sql);
  return *this;
}

ColumnBuilder& ColumnBuilder::primary_key(int position) {
  column_->primary_key_position = position;
  return *this;
}

ColumnBuilder TableBuilder::column(std::string name, std::string type) {
  auto it = std::find_if(table_->columns.begin(), table_->columns.end(),
                         [&](const Column& c) { return c.name == name; });
  if (it == table_->columns.end()) {
    table_->columns.push_back(Column{});
    it = std::prev(table_->columns.end());
  }
  *it = Column{};
  it->name = std::move(name);
  it->type = std::move(type);
  return ColumnBuilder(*it);
}

namespace {

bool names(const std::vector<std::string>& columns, const std::string& name) {
  return std::find(columns.begin(), columns.end(), name) != columns.end();
}

}  // namespace

TableBuilder& TableBuilder::drop_column(const std::string& name) {
  std::erase_if(table_->columns, [&](const Column& c) { return c.name == name; });
  std::erase_if(table_->indexes, [&](const Index& i) { return names(i.columns, name); });
  std::erase_if(table_->unique_constraints,
                [&](const std::vector<std::string>& u) { return names(u, name); });
  std::erase_if(table_->foreign_keys,
                [&](const ForeignKey& fk) { return names(fk.columns, name); });
  return *this;
}

TableBuilder& TableBuilder::drop_index(const std::string& name) {
  std::erase_if(table_->indexes, [&](const Index& i) { return i.name == name; });
  return *this;
}

TableBuilder& TableBuilder::drop_check(const std::string& expression) {
  std::erase(table_->checks, expression);
  return *this;
}

TableBuilder& TableBuilder::index(std::string name, std::vector<std::string> columns,
                                  std::optional<std::string> where) {
  table_->indexes.push_back(Index{std::move(name), std::move(columns), false, std::move(where)});
  return *this;
}

TableBuilder& TableBuilder::unique_index(std::string name, std::vector<std::string> columns,
                                         std::optional<std::string> where) {
  table_->indexes.push_back(Index{std::move(name), std::move(columns), true, std::move(where)});
  return *this;
}

TableBuilder& TableBuilder::unique(std::vector<std::string> columns) {
  table_->unique_constraints.push_back(std::move(columns));
  return *this;
}

TableBuilder& TableBuilder::foreign_key(std::vector<std::string> columns,
                                        std::string referenced_table,
                                        std::vector<std::string> referenced_columns,
                                        std::string on_delete, std::string on_update) {
  table_->foreign_keys.push_back(ForeignKey{std::move(columns), std::move(referenced_table),
                                            std::move(referenced_columns), std::move(on_delete),
                                            std::move(on_update)});
  return *this;
}

TableBuilder& TableBuilder::check(std::string expression) {
  table_->checks.push_back(std::move(expression));
  return *this;
}

SchemaBuilder& SchemaBuilder::drop_table(const std::string& name) {
  schema_.tables.erase(name);
  return *this;
}

SchemaBuilder& SchemaBuilder::view(std::string name, std::string sql) {
  schema_.views[std::move(name)] = std::move(sql);
  return *this;
}

SchemaBuilder& SchemaBuilder::trigger(std::string name, std::string sql) {
  schema_.triggers[std::move(name)] = std::move(sql);
  return *this;
}

}  // namespace safemig::schema
