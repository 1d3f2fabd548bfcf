// The SQLite keyword list, used to tell keywords (upper-cased) from names (lower-cased) when
// SQL is normalised. Private to the schema library.
//
// Thread safety: pure function over constant data.
#pragma once

#include <string_view>

namespace safemig::schema::detail {

// True when `word` is one of SQLite's keywords, compared case-insensitively.
bool is_sql_keyword(std::string_view word);

}  // namespace safemig::schema::detail
