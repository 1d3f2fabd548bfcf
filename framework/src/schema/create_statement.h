// Reading the parts of stored CREATE statements that SQLite's pragmas do not expose: the
// CHECK constraints of a table, the expression terms and WHERE of an index. Private to the
// schema library.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace safemig::schema::detail {

// The CHECK expressions of a CREATE TABLE statement, table and column level, with or without
// a CONSTRAINT name, in the order written; each is the text inside CHECK(...) as written.
std::vector<std::string> table_checks(std::string_view create_table_sql);

struct IndexParts {
  std::vector<std::string> terms;    // Each indexed term as written ("lower(b) DESC").
  std::optional<std::string> where;  // The partial index predicate as written.
};

// The terms and predicate of a CREATE INDEX statement; empty terms when it has no "(...)".
IndexParts index_parts(std::string_view create_index_sql);

}  // namespace safemig::schema::detail
