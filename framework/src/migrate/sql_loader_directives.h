// safemig directives: comment lines at the top of an up or down script.
//
//   -- safemig:no-transaction   run the step outside a transaction (repaired from the file
//                               backup); in a down script it applies to the whole step
//   -- safemig:touches a, b     also back up and row-check tables a and b (in that direction)
//   -- safemig:rows-change      that direction changes row counts (RowPolicy::declared_change)
//   -- safemig:verify <query>   up only: a query whose first value must be true after the step
// Unknown directives, and directives after the first statement, are errors: a typo must not
// silently turn a safety off.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"

namespace safemig::migrate::loader {

struct Directives {
  bool transactional = true;
  bool rows_change = false;
  std::vector<std::string> touches;
  std::vector<std::string> verify;
};

// Reads the directives of `script`, whose first line is line `first_line` of its file; `down`
// for a down script (where verify is refused).
// Errors: invalid_input naming the line and the directive expected.
Result<Directives> parse_directives(std::string_view script, int first_line, bool down);

}  // namespace safemig::migrate::loader
