// Schema as text: a stable JSON form (the committed snapshot a person reviews, and what
// `safemig schema --json` prints), and a human-readable listing (`safemig schema`).
//
// JSON shape (every key always written, in this order):
//   {"tables": {"<name>": {"columns": [{"name", "type", "not_null", "default", "primary_key"}],
//                          "indexes": [{"name", "columns", "unique", "where"}],
//                          "unique_constraints": [["a", "b"]],
//                          "foreign_keys": [{"columns", "references", "referenced_columns",
//                                            "on_delete", "on_update"}],
//                          "checks": ["a >= 0"]}},
//    "views": {"<name>": "<sql>"}, "triggers": {"<name>": "<sql>"}}
// When reading, absent keys take their defaults (no default, not null false, ...) except the
// names a part cannot be without; unknown keys are rejected so a typo is not silently lost.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "safemig/error.h"
#include "safemig/schema/schema.h"

namespace safemig::schema {

// The JSON form of `schema`, indented, one column/index/foreign key per line, ending with a
// newline. The same schema always gives the same text.
std::string to_json(const Schema& schema);

// Reads the JSON form. to_json's output reads back to an equal Schema.
// On failure: invalid_input whose message says where and what is wrong (not JSON at line:col;
// or the path of the offending value, e.g. "tables.t.columns[1].type: expected a string").
Result<Schema> schema_from_json(std::string_view json);

// A human-readable listing: each table with its columns, primary key, UNIQUE constraints,
// foreign keys, CHECKs and indexes, then views and triggers. Ends with a newline unless the
// schema is empty, which gives "(empty schema)\n".
std::string describe(const Schema& schema);

}  // namespace safemig::schema
