// Text renderings of schema parts shared by diff lines and describe(). Private to the schema
// library.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "safemig/schema/schema.h"

namespace safemig::schema::detail {

// "a, b" (no parentheses).
std::string join(const std::vector<std::string>& items);

// "(a, b)", or "(none)" for an empty list.
std::string parenthesised(const std::vector<std::string>& items);

// A column's definition without its name: "TEXT NOT NULL DEFAULT 'x'"; an untyped column
// renders as "(no type)".
std::string column_definition(const Column& column);

// The primary key columns of `table` in key order; empty when it has none.
std::vector<std::string> primary_key_columns(const Table& table);

// "REFERENCES parent(id) ON DELETE CASCADE" (actions shown only when not NO ACTION).
std::string foreign_key_target(const ForeignKey& fk);

// "(lower(v) DESC, id) WHERE v IS NOT NULL" — terms and predicate of an index.
std::string index_shape(const Index& index);

}  // namespace safemig::schema::detail
