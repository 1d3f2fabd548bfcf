// Canonical spellings of SQL text (see normalize.h).
//
// Thread safety: pure functions.
#include <cctype>
#include <cstddef>
#include <string>
#include <vector>

#include "safemig/schema/normalize.h"
#include "sql_keywords.h"
#include "sql_tokenizer.h"

namespace safemig::schema {
namespace {

using detail::Token;
using detail::TokenKind;

enum class Role { name, keyword, literal, open, close, comma, dot, semicolon, op };

struct Piece {
  std::string text;
  Role role;
};

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_plain_name(std::string_view s) {
  if (s.empty()) return false;
  if (std::isalpha(static_cast<unsigned char>(s[0])) == 0 && s[0] != '_') return false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

Piece word_piece(std::string_view word, const std::vector<Piece>& before) {
  const bool after_collate =
      !before.empty() && before.back().role == Role::keyword && before.back().text == "COLLATE";
  if (after_collate) return {ascii_upper(word), Role::name};
  if (detail::is_sql_keyword(word)) return {ascii_upper(word), Role::keyword};
  return {ascii_lower(word), Role::name};
}

Piece punctuation_piece(std::string_view text) {
  if (text == "(") return {"(", Role::open};
  if (text == ")") return {")", Role::close};
  if (text == ",") return {",", Role::comma};
  if (text == ".") return {".", Role::dot};
  if (text == ";") return {";", Role::semicolon};
  return {std::string(text), Role::op};
}

Piece to_piece(const Token& token, const std::vector<Piece>& before) {
  switch (token.kind) {
    case TokenKind::word:
      return word_piece(token.text, before);
    case TokenKind::quoted_identifier: {
      std::string name = detail::unquote_identifier(token.text);
      if (is_plain_name(name)) return word_piece(name, before);
      std::string quoted = "\"";
      for (char c : ascii_lower(name)) {
        quoted += c;
        if (c == '"') quoted += '"';
      }
      return {quoted + "\"", Role::name};
    }
    case TokenKind::blob:
      return {"X" + std::string(token.text.substr(1)), Role::literal};
    case TokenKind::string:
    case TokenKind::number:
    case TokenKind::parameter:
      return {std::string(token.text), Role::literal};
    case TokenKind::punctuation:
      return punctuation_piece(token.text);
  }
  return {std::string(token.text), Role::literal};
}

// True when an operator after `prev` is a prefix (unary) operator.
bool starts_operand(const Piece* prev) {
  if (prev == nullptr) return true;
  switch (prev->role) {
    case Role::open:
    case Role::comma:
    case Role::op:
    case Role::semicolon:
      return true;
    case Role::keyword:
      return prev->text != "NULL" && prev->text != "END" && !prev->text.starts_with("CURRENT_");
    default:
      return false;
  }
}

std::string render(const std::vector<Token>& tokens, std::size_t first, std::size_t last) {
  std::vector<Piece> pieces;
  std::string out;
  bool prev_unary = false;
  for (std::size_t i = first; i < last; ++i) {
    Piece piece = to_piece(tokens[i], pieces);
    const Piece* prev = pieces.empty() ? nullptr : &pieces.back();
    bool space = prev != nullptr;
    if (piece.role == Role::close || piece.role == Role::comma || piece.role == Role::dot ||
        piece.role == Role::semicolon) {
      space = false;
    } else if (prev != nullptr && (prev->role == Role::open || prev->role == Role::dot)) {
      space = false;
    } else if (prev_unary) {
      space = false;
    } else if (piece.role == Role::open && prev != nullptr && prev->role == Role::name) {
      space = false;
    }
    prev_unary = piece.role == Role::op &&
                 (piece.text == "-" || piece.text == "+" || piece.text == "~") &&
                 starts_operand(prev);
    if (space) out += ' ';
    out += piece.text;
    pieces.push_back(std::move(piece));
  }
  return out;
}

// Drops trailing ";" tokens.
std::size_t statement_end(const std::vector<Token>& tokens) {
  std::size_t last = tokens.size();
  while (last > 0 && tokens[last - 1].text == ";") --last;
  return last;
}

// Narrows [first, last) while the whole range is one parenthesised expression.
void strip_outer_parens(const std::vector<Token>& tokens, std::size_t& first, std::size_t& last) {
  while (last - first >= 2 && tokens[first].text == "(") {
    auto close = detail::matching_paren(tokens, first);
    if (!close || *close != last - 1) return;
    ++first;
    --last;
  }
}

// SQLite stores CREATE statements without "IF NOT EXISTS"; drop it so that a declaration
// written with it matches the stored text.
void drop_if_not_exists(std::vector<Token>& tokens) {
  if (tokens.empty() || !detail::is_word(tokens[0], "CREATE")) return;
  std::size_t i = 1;
  while (i < tokens.size() &&
         (detail::is_word(tokens[i], "TEMP") || detail::is_word(tokens[i], "TEMPORARY") ||
          detail::is_word(tokens[i], "UNIQUE") || detail::is_word(tokens[i], "VIRTUAL"))) {
    ++i;
  }
  const std::size_t if_at = i + 1;
  if (if_at + 2 < tokens.size() && detail::is_word(tokens[if_at], "IF") &&
      detail::is_word(tokens[if_at + 1], "NOT") && detail::is_word(tokens[if_at + 2], "EXISTS")) {
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(if_at),
                 tokens.begin() + static_cast<std::ptrdiff_t>(if_at + 3));
  }
}

}  // namespace

std::string normalize_sql(std::string_view sql) {
  auto tokens = detail::tokenize_sql(sql);
  drop_if_not_exists(tokens);
  return render(tokens, 0, statement_end(tokens));
}

std::string normalize_expression(std::string_view sql) {
  auto tokens = detail::tokenize_sql(sql);
  std::size_t first = 0;
  std::size_t last = statement_end(tokens);
  strip_outer_parens(tokens, first, last);
  return render(tokens, first, last);
}

std::string normalize_index_term(std::string_view sql) {
  auto tokens = detail::tokenize_sql(sql);
  std::size_t first = 0;
  std::size_t last = statement_end(tokens);
  if (last > first && detail::is_word(tokens[last - 1], "ASC")) --last;
  strip_outer_parens(tokens, first, last);
  return render(tokens, first, last);
}

std::string normalize_type(std::string_view type) {
  std::string out;
  bool attach = true;
  for (const Token& token : detail::tokenize_sql(type)) {
    const std::string_view t = token.text;
    if (!attach && t != "(" && t != ")" && t != ",") out += ' ';
    out += ascii_upper(t);
    if (t == ",") out += ' ';
    attach = t == "(" || t == "," || t == "-" || t == "+";
  }
  return out;
}

std::string normalize_name(std::string_view name) { return ascii_lower(name); }

}  // namespace safemig::schema
