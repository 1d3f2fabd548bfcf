// What a migration script does to tables, read from its statements.
//
// Touched tables: ALTER TABLE (ADD/DROP/RENAME COLUMN, RENAME TO), DROP TABLE, INSERT/REPLACE
// INTO, UPDATE, DELETE FROM, anywhere in a statement (WITH … INSERT); schema prefixes are
// dropped; tables the script itself creates earlier (CREATE TABLE, ALTER TABLE … RENAME TO) are
// left out, since they hold no rows before the script. Trigger bodies are not counted: they run
// later, not during the script.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "safemig/error.h"
#include "safemig/migrate/sql_splitter.h"

namespace safemig::migrate::loader {

struct TableEffects {
  std::vector<std::string> touched;  // In order of first mention, as written.
  bool drops_table = false;          // A DROP TABLE: the step rebuilds a table.
};

TableEffects analyse_tables(const std::vector<SqlStatement>& statements);

// Rejects BEGIN/COMMIT/END/ROLLBACK statements: inside safemig's transaction they would commit
// part of a step or fail. SAVEPOINT, RELEASE and ROLLBACK TO are fine.
// Errors: invalid_input naming the line and the no-transaction directive.
Result<void> check_no_transaction_control(const std::vector<SqlStatement>& statements);

}  // namespace safemig::migrate::loader
