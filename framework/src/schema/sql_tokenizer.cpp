// SQLite lexical rules for the schema library (see sql_tokenizer.h).
//
// Thread safety: pure functions.
#include "sql_tokenizer.h"

#include <array>
#include <cctype>

namespace safemig::schema::detail {
namespace {

bool is_identifier_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || c == '$' || u >= 0x80;
}

bool is_identifier_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || c == '_' || u >= 0x80;
}

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Scans a literal opened by `open` at `pos` and closed by `close`; a doubled close character
// inside it stands for itself when `doubling` is set. Returns the offset past the literal, or
// nullopt when it is never closed.
std::optional<std::size_t> scan_quoted(std::string_view sql, std::size_t pos, char close,
                                       bool doubling) {
  std::size_t i = pos + 1;
  while (i < sql.size()) {
    if (sql[i] == close) {
      if (doubling && i + 1 < sql.size() && sql[i + 1] == close) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return std::nullopt;
}

std::size_t scan_number(std::string_view sql, std::size_t pos) {
  std::size_t i = pos;
  if (sql[i] == '0' && i + 1 < sql.size() && (sql[i + 1] == 'x' || sql[i + 1] == 'X')) {
    i += 2;
    while (i < sql.size() && std::isxdigit(static_cast<unsigned char>(sql[i])) != 0) ++i;
    return i;
  }
  while (i < sql.size() && (is_digit(sql[i]) || sql[i] == '.')) ++i;
  if (i < sql.size() && (sql[i] == 'e' || sql[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < sql.size() && (sql[j] == '+' || sql[j] == '-')) ++j;
    if (j < sql.size() && is_digit(sql[j])) {
      i = j;
      while (i < sql.size() && is_digit(sql[i])) ++i;
    }
  }
  return i;
}

std::size_t operator_length(std::string_view rest) {
  static constexpr std::array<std::string_view, 10> kLong = {"->>", "||", "<=", ">=", "<>",
                                                             "!=",  "==", "<<", ">>", "->"};
  for (std::string_view op : kLong) {
    if (rest.starts_with(op)) return op.size();
  }
  return 1;
}

// Length of a comment starting at `pos`, or 0 when none starts there; `closed` is false for a
// block comment that is never closed.
std::size_t comment_length(std::string_view sql, std::size_t pos, bool& closed) {
  std::string_view rest = sql.substr(pos);
  closed = true;
  if (rest.starts_with("--")) {
    std::size_t newline = rest.find('\n');
    return newline == std::string_view::npos ? rest.size() : newline + 1;
  }
  if (rest.starts_with("/*")) {
    std::size_t close = rest.find("*/", 2);
    closed = close != std::string_view::npos;
    return closed ? close + 2 : rest.size();
  }
  return 0;
}

}  // namespace

LexedSql lex_sql(std::string_view sql) {
  LexedSql lexed;
  std::vector<Token>& tokens = lexed.tokens;
  auto note_unterminated = [&](Unterminated::What what, char quote, std::size_t begin) {
    if (!lexed.unterminated) lexed.unterminated = Unterminated{what, quote, begin};
  };
  // The end of a quoted token opened at `open`, or the end of the text when it is never closed.
  auto quoted_end = [&](std::size_t begin, std::size_t open, char close, bool doubling,
                        Unterminated::What what) {
    const std::optional<std::size_t> end = scan_quoted(sql, open, close, doubling);
    if (!end) note_unterminated(what, sql[open], begin);
    return end.value_or(sql.size());
  };
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
      continue;
    }
    bool closed = true;
    if (std::size_t n = comment_length(sql, i, closed); n > 0) {
      if (!closed) note_unterminated(Unterminated::What::block_comment, '/', i);
      i += n;
      continue;
    }
    TokenKind kind = TokenKind::punctuation;
    std::size_t end = i + 1;
    if (c == '\'') {
      kind = TokenKind::string;
      end = quoted_end(i, i, '\'', true, Unterminated::What::string);
    } else if ((c == 'x' || c == 'X') && i + 1 < sql.size() && sql[i + 1] == '\'') {
      kind = TokenKind::blob;
      end = quoted_end(i, i + 1, '\'', false, Unterminated::What::blob);
    } else if (c == '"' || c == '`') {
      kind = TokenKind::quoted_identifier;
      end = quoted_end(i, i, c, true, Unterminated::What::quoted_identifier);
    } else if (c == '[') {
      kind = TokenKind::quoted_identifier;
      end = quoted_end(i, i, ']', false, Unterminated::What::bracket_identifier);
    } else if (is_digit(c) || (c == '.' && i + 1 < sql.size() && is_digit(sql[i + 1]))) {
      kind = TokenKind::number;
      end = scan_number(sql, i);
    } else if (is_identifier_start(c)) {
      kind = TokenKind::word;
      while (end < sql.size() && is_identifier_char(sql[end])) ++end;
    } else if (c == '?' || c == ':' || c == '@' || c == '$') {
      kind = TokenKind::parameter;
      while (end < sql.size() && is_identifier_char(sql[end])) ++end;
    } else {
      end = i + operator_length(sql.substr(i));
    }
    tokens.push_back(Token{kind, sql.substr(i, end - i), i, end});
    i = end;
  }
  return lexed;
}

std::vector<Token> tokenize_sql(std::string_view sql) { return lex_sql(sql).tokens; }

bool is_word(const Token& token, std::string_view upper_word) {
  if (token.kind != TokenKind::word || token.text.size() != upper_word.size()) return false;
  for (std::size_t i = 0; i < upper_word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(token.text[i])) != upper_word[i]) return false;
  }
  return true;
}

std::string unquote_identifier(std::string_view quoted) {
  if (quoted.size() < 2) return std::string(quoted);
  const char open = quoted.front();
  const char close = open == '[' ? ']' : open;
  std::string_view inner = quoted.substr(1);
  if (!inner.empty() && inner.back() == close) inner.remove_suffix(1);
  std::string out;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    out += inner[i];
    if (open != '[' && inner[i] == close && i + 1 < inner.size() && inner[i + 1] == close) ++i;
  }
  return out;
}

std::optional<std::size_t> matching_paren(const std::vector<Token>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (tokens[i].text == "(") {
      ++depth;
    } else if (tokens[i].text == ")") {
      if (--depth == 0) return i;
    }
  }
  return std::nullopt;
}

}  // namespace safemig::schema::detail
