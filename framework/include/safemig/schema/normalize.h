// Normalisation: canonical spellings of SQL text and of a whole Schema, so that declarations
// that differ only in whitespace, comments, keyword or identifier case, identifier quoting, or
// redundant outer parentheses compare equal.
//
// Canonical form: SQLite keywords upper case; identifiers (including function names) ASCII
// lower case and unquoted when they are plain names ("Name", [Name], `Name` -> name); one space
// between tokens, none inside parentheses, before commas or around dots; no space between a
// name and the "(" that follows it (function calls); unary minus and plus attached to their
// operand; string literal contents preserved exactly. SQLite compares identifiers without
// regard to ASCII case, so the canonical form means the same thing; it is meant for comparison
// and display, not for execution (an unquoted keyword used as a name would not parse).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "safemig/schema/schema.h"

namespace safemig::schema {

// Canonical spelling of a statement or expression; a trailing ";" is dropped, and so is the
// IF NOT EXISTS of a CREATE statement (SQLite does not store it).
std::string normalize_sql(std::string_view sql);

// normalize_sql, then redundant parentheses around the whole expression removed:
// "((a > 0))" -> "a > 0"; "(a) + (b)" is left as it is.
std::string normalize_expression(std::string_view sql);

// An index term (column name or expression, optionally with COLLATE and ASC/DESC) in
// canonical form; a trailing ASC is dropped because it is the default.
std::string normalize_index_term(std::string_view sql);

// A declared column type upper-cased with whitespace collapsed: "varchar ( 10 )" ->
// "VARCHAR(10)", "decimal(10,2)" -> "DECIMAL(10, 2)".
std::string normalize_type(std::string_view type);

// A name (table, column, index, view, trigger) as the model stores it: ASCII lower case.
std::string normalize_name(std::string_view name);

// The canonical form of a schema: names folded by normalize_name; types, defaults, CHECKs,
// index terms and predicates, views and triggers in canonical SQL; foreign key actions upper
// case; a foreign key without referenced columns gets the referenced table's primary key when
// that table is in the schema; indexes sorted by name, foreign keys, CHECKs and UNIQUE
// constraints sorted. Column order is kept (it is part of a table's shape). Idempotent.
Schema normalize_schema(const Schema& schema);

}  // namespace safemig::schema
