// SQL script lexing and splitting: turns the text of a migration file into its statements.
//
// Tokens come from the schema library's SQLite lexer (the one lexer of safemig): '…' strings
// ('' escapes a quote), X'…' blobs, "…", `…` and […] identifiers, numbers, parameters,
// operators, -- and /* */ comments. A ';' ends a statement except inside those and inside the
// BEGIN … END body of a CREATE TRIGGER (where CASE … END does not end the body).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"

namespace safemig::migrate {

struct SqlToken {
  enum class Kind {
    word,               // Keyword or bare identifier, as written.
    quoted_identifier,  // "…", `…` or […]; `text` is the unquoted name.
    string,             // '…'; `text` is the value with '' unescaped.
    blob,               // X'…', as written.
    number,             // A numeric literal, as written.
    parameter,          // ?1, :name, @name, $name, as written.
    punctuation,        // An operator or other punctuation (';', '(', '.', '||', …).
  };
  Kind kind = Kind::punctuation;
  std::string text;
  std::size_t begin = 0;  // Offset of the token's first character in the script.
  std::size_t end = 0;    // Offset one past its last character.
  int line = 1;           // 1-based line of its first character.
};

struct SqlStatement {
  std::string text;  // From its first to its last token: no surrounding comments, no ';'.
  int line = 1;      // 1-based line where it starts in the script.
  std::vector<SqlToken> tokens;
};

// Lexes `script` into tokens, skipping whitespace and comments; its first line is numbered
// `first_line` (a section of a larger file).
// Errors: invalid_input for an unterminated string, quoted identifier or block comment, naming
// the line where it starts.
Result<std::vector<SqlToken>> tokenize_sql(std::string_view script, int first_line = 1);

// Splits `script` into statements with their line numbers and tokens. Empty statements and
// pieces that hold only comments are dropped (an empty or comment-only script has none); the
// last statement may omit its ';'.
// Errors: as tokenize_sql, and invalid_input for a CREATE TRIGGER whose body has no END.
Result<std::vector<SqlStatement>> split_sql_script(std::string_view script, int first_line = 1);

// The statement texts of split_sql_script, trimmed, without the trailing ';'.
Result<std::vector<std::string>> split_sql_statements(std::string_view script);

// ASCII upper-case copy of `word` (SQL keywords are case-insensitive).
std::string upper_ascii(std::string_view word);

}  // namespace safemig::migrate
