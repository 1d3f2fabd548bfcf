// SqlTokenizer: the one SQL lexer of safemig. It splits SQL text into tokens for normalisation,
// for reading CREATE statements (CHECKs, index terms) and, through migrate/sql_splitter, for
// splitting migration scripts into statements.
//
// It knows SQLite's lexical rules: string literals ('it''s'), blob literals (X'00'), quoted
// identifiers ("a""b", [a], `a`), numbers, parameters, operators, and comments (-- and /* */,
// which are dropped). It never fails: an unterminated literal, identifier or comment runs to the
// end of the text, and lex_sql says where it began so that callers that must reject it can.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace safemig::schema::detail {

enum class TokenKind { word, quoted_identifier, string, blob, number, parameter, punctuation };

struct Token {
  TokenKind kind;
  std::string_view text;  // The token as written, including quotes.
  std::size_t begin;      // Offset of the first character in the source.
  std::size_t end;        // Offset one past the last character.
};

// A literal, quoted identifier or block comment that is never closed.
struct Unterminated {
  enum class What { string, blob, quoted_identifier, bracket_identifier, block_comment };
  What what;
  char quote;         // The quote character that opened it ('\'', '"', '`', '[', '/').
  std::size_t begin;  // Offset of its first character.
};

struct LexedSql {
  std::vector<Token> tokens;
  std::optional<Unterminated> unterminated;  // The first one; it runs to the end of the text.
};

// Tokens of `sql` in order, without whitespace and comments, and the first unterminated
// literal, identifier or comment. Views point into `sql`.
LexedSql lex_sql(std::string_view sql);

// The tokens of lex_sql, for callers that accept unterminated text.
std::vector<Token> tokenize_sql(std::string_view sql);

// True when `token` is the unquoted word `upper_word` (compared case-insensitively).
bool is_word(const Token& token, std::string_view upper_word);

// The content of a quoted identifier with its quoting removed ("a""b" -> a"b).
std::string unquote_identifier(std::string_view quoted);

// Index of the ")" matching the "(" at `open` in `tokens`, or nullopt when unbalanced.
std::optional<std::size_t> matching_paren(const std::vector<Token>& tokens, std::size_t open);

}  // namespace safemig::schema::detail
