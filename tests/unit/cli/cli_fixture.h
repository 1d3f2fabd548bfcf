// CliTest: runs run_cli in-process against a temporary database and a temporary directory of SQL
// migrations, capturing its output and exit code.
//
// The default migrations (used without --dir) are a small built-in set with declared expected
// schemas, and the extra verify function reports whatever `findings` holds, so tests can drive
// every part of `verify`.
//
// Thread safety: one fixture per test, used by the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "safemig/cli/cli.h"
#include "support/temp_dir.h"

namespace safemig::cli::testing {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Prints a run's streams when an assertion about it fails.
std::ostream& operator<<(std::ostream& os, const CliRun& run);

class CliTest : public ::testing::Test {
 protected:
  CliTest();

  // Runs `safemig ARGS...` (no --db or --dir added).
  CliRun run(const std::vector<std::string>& args);
  // Runs `safemig --db <db> --dir <dir> ARGS...`.
  CliRun run_sql(const std::vector<std::string>& args);
  // Runs `safemig --db <db> ARGS...` (the default migrations).
  CliRun run_default(const std::vector<std::string>& args);

  // Writes `name` (e.g. "V1__create.sql") into the migrations directory.
  void write_migration(const std::string& name, const std::string& sql);
  // The standard two steps: V1 creates t(id, v), V2 adds column w.
  void write_two_steps();
  // Runs SQL on the test database through the sqlite3 C API (not through safemig).
  void exec(const std::string& sql);
  // The first column of the first row of `sql` on the test database, as text.
  std::string query(const std::string& sql);

  safemig::testing::TempDir tmp;
  std::string db;
  std::string dir;
  CliEnvironment env;
  std::map<std::string, std::string> env_vars;
  std::vector<std::string> findings;  // What the extra verify function reports.
};

}  // namespace safemig::cli::testing
