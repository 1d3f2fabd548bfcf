// SQL-file migrations: a directory of .sql files read as a MigrationSet.
//
// Accepted layouts (one per directory; a mix is refused):
//   Flyway          V<n>__<name>.sql, optionally U<n>__<name>.sql that undoes it;
//   golang-migrate  <n>_<name>.up.sql, optionally <n>_<name>.down.sql;
//   Diesel/dbmate   <timestamp>_<name>/up.sql, optionally down.sql in the same directory.
// In the first two the version is n (1 … 2147483647; leading zeros ignored). Timestamps do not
// fit a version, so in the directory layout versions are the positions 1, 2, 3… in timestamp
// order and the step's name is the whole directory name; inserting a directory before applied
// ones therefore shifts later versions, which `verify` reports as changed steps.
//
// Hidden entries and files not ending in ".sql" (README.md, V1.schema.json) are ignored; every
// other .sql file must be a well-formed migration name.
//
// Directives, in the comment lines at the top of an up file:
//   -- safemig:no-transaction   run outside a transaction (repaired from the file backup)
//   -- safemig:touches a, b     also back up and row-check tables a and b
//   -- safemig:rows-change      the step changes row counts (RowPolicy::declared_change)
//   -- safemig:verify <query>   a query whose first value must be true after the step
// Unknown directives, and directives anywhere else, are errors: a typo must not silently turn
// a safety off.
//
// Besides the directives, touched tables are inferred from the up script (ALTER TABLE, DROP
// TABLE, INSERT/REPLACE INTO, UPDATE, DELETE FROM; tables the script itself creates are left
// out), and a DROP TABLE in either script marks the step as a table rebuild.
//
// Thread safety: the functions share no state; concurrent calls on the same directory see the
// file system as it is at each read.
#pragma once

#include <string>

#include "safemig/error.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate {

// Loads every migration in `dir`. Each step's up/down are the files' texts and its definition
// is the up file's bytes followed by the down file's (so editing either changes the checksum);
// expected_schema is left empty (V<n>.schema.json snapshots are the schema area's).
// Errors: not_found (no such directory; a migration directory without up.sql; a .sql entry
// that is not a regular file, such as a dangling link), invalid_input (not a directory;
// malformed or duplicate names; an undo without its migration; mixed layouts; an empty file;
// an unterminated string, comment or trigger; a transaction statement in a transactional
// file; a bad directive), io (a directory or file that cannot be read).
// Each message names the file and says what is expected.
Result<MigrationSet> load_sql_directory(const std::string& dir);

// Creates an empty `V<n>__<name>.sql` in `dir` with n one more than the highest version there
// (1 in an empty directory; zero-padded like the highest existing file) and returns its path.
// Errors: not_found (no such directory), invalid_input (a malformed name, a directory in
// another layout or with malformed file names), io (the file exists already or cannot be
// written; an existing file is never overwritten).
Result<std::string> new_migration_file(const std::string& dir, const std::string& name);

}  // namespace safemig::migrate
