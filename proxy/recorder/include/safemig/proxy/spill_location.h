// Where the recorder's spill journal lives: beside the database by default
// (Recorder::default_spill_path), or in a directory the operator names (metrics-proxy
// --spill-dir), typically on another filesystem so that a full disk under the database does not
// also take away the place where records wait for it.
//
// Thread safety: functions over paths.
#pragma once

#include <string>

#include "safemig/error.h"

namespace safemig::proxy {

// The journal for `db_path` inside `dir`: "<dir>/<db file name>-<16 hex>.recorder-spill", the
// hex naming the database's absolute path so that databases with the same file name never share
// a journal. Checks that `dir` exists, is a directory and takes new files (by creating and
// removing one). Errors: invalid_input saying which of these fails and what to do.
Result<std::string> spill_path_in_dir(const std::string& dir, const std::string& db_path);

}  // namespace safemig::proxy
