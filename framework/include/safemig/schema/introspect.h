// Introspection: the live schema of a database, read from the engine's catalogue.
//
// SQLite: tables from sqlite_schema (names starting with "sqlite_" or "_safemig_" are the
// engine's or safemig's own and are skipped, with their indexes and triggers); columns from
// pragma_table_xinfo; explicit indexes (CREATE INDEX) from pragma_index_list/_xinfo with
// expression terms and partial predicates from the stored CREATE INDEX text; UNIQUE
// constraints from the automatic indexes they create; foreign keys from
// pragma_foreign_key_list; CHECK constraints from the stored CREATE TABLE text; views and
// triggers as SQL. The result is in canonical form (normalize_schema).
//
// Thread safety: uses the connection, so the caller must not use it from another thread at
// the same time.
#pragma once

#include <string>

#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/schema/schema.h"

namespace safemig::schema {

// Reads the schema of the main database of `connection`, normalised.
// On success: every user table, view and trigger. On failure: the connection's error (with the
// query that failed), or invalid_input when the connection is not SQLite.
// For a consistent snapshot while another connection may write, call inside a transaction.
Result<Schema> read_schema(db::Connection& connection);

// The CREATE TABLE statement of `table` exactly as SQLite stores it.
// On failure: not_found when there is no such table, or the connection's error.
Result<std::string> table_sql(db::Connection& connection, const std::string& table);

}  // namespace safemig::schema
