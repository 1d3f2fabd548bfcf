// SchemaDiff: the differences between an expected and an actual schema, as lines a person can
// act on.
//
// Both schemas are normalised (normalize.h) before they are compared, so spelling differences
// that do not change meaning are not reported. Each line names the object and says what was
// expected and what was found, e.g.:
//   table t: missing (expected but not found)
//   table x: unexpected (found but not expected)
//   table completion_requests: column model: expected TEXT NOT NULL, found TEXT
//   table t: index t_by_v: expected columns (v), found (v, id)
//   table t: check "a >= 0": missing (expected but not found)
// Order is deterministic: tables by name (per table: columns in expected order, column order,
// primary key, indexes by name, UNIQUE constraints, foreign keys, CHECKs), then views, then
// triggers.
//
// Thread safety: pure function; SchemaDiff is a plain value type.
#pragma once

#include <string>
#include <vector>

#include "safemig/schema/schema.h"

namespace safemig::schema {

struct SchemaDiff {
  std::vector<std::string> differences;

  // True when the schemas are equal after normalisation.
  bool empty() const { return differences.empty(); }
  // The differences, one per line ("\n"-separated, no trailing newline); "" when empty.
  std::string to_string() const;
};

// Compares `actual` against `expected` after normalising both.
SchemaDiff diff_schemas(const Schema& expected, const Schema& actual);

}  // namespace safemig::schema
