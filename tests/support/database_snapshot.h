// database_snapshot: the schema text and every row of every table of a SQLite file, as one
// string, so a test can assert that a database is exactly as it was.
#pragma once

#include <string>

namespace safemig::testing {

// Opens `db_path` read-only and renders sqlite_schema plus all rows of all tables (including
// safemig's own), ordered. Returns "error: …" when the file cannot be read.
std::string database_snapshot(const std::string& db_path);
// The same without safemig's own tables (history, backup tables): the application's view.
std::string application_snapshot(const std::string& db_path);

// The number of rows of `table`, or -1 when it cannot be read.
long long count_rows(const std::string& db_path, const std::string& table);

}  // namespace safemig::testing
