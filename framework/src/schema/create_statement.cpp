// Reading CHECKs and index terms from stored CREATE statements (see create_statement.h).
//
// Thread safety: pure functions.
#include "create_statement.h"

#include "sql_tokenizer.h"

namespace safemig::schema::detail {
namespace {

std::size_t first_open_paren(const std::vector<Token>& tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind == TokenKind::punctuation && tokens[i].text == "(") return i;
  }
  return tokens.size();
}

// Source text from the start of tokens[first] to the end of tokens[last - 1].
std::string slice(std::string_view sql, const std::vector<Token>& tokens, std::size_t first,
                  std::size_t last) {
  if (first >= last) return {};
  return std::string(sql.substr(tokens[first].begin, tokens[last - 1].end - tokens[first].begin));
}

}  // namespace

std::vector<std::string> table_checks(std::string_view create_table_sql) {
  const auto tokens = tokenize_sql(create_table_sql);
  std::vector<std::string> checks;
  const std::size_t open = first_open_paren(tokens);
  if (open == tokens.size()) return checks;
  const std::size_t close = matching_paren(tokens, open).value_or(tokens.size());
  int depth = 0;
  for (std::size_t i = open + 1; i < close; ++i) {
    const Token& t = tokens[i];
    if (t.text == "(") ++depth;
    if (t.text == ")") --depth;
    if (depth != 0 || !is_word(t, "CHECK") || i + 1 >= close || tokens[i + 1].text != "(") {
      continue;
    }
    auto check_close = matching_paren(tokens, i + 1);
    if (!check_close) break;
    checks.push_back(slice(create_table_sql, tokens, i + 2, *check_close));
    i = *check_close;
  }
  return checks;
}

IndexParts index_parts(std::string_view create_index_sql) {
  const auto tokens = tokenize_sql(create_index_sql);
  IndexParts parts;
  const std::size_t open = first_open_paren(tokens);
  if (open == tokens.size()) return parts;
  auto close = matching_paren(tokens, open);
  if (!close) return parts;
  std::size_t term_start = open + 1;
  int depth = 0;
  for (std::size_t i = open + 1; i <= *close; ++i) {
    const std::string_view t = tokens[i].text;
    if (t == "(") ++depth;
    if (t == ")" && i != *close) --depth;
    if ((depth == 0 && t == ",") || i == *close) {
      parts.terms.push_back(slice(create_index_sql, tokens, term_start, i));
      term_start = i + 1;
    }
  }
  std::size_t where = *close + 1;
  if (where < tokens.size() && is_word(tokens[where], "WHERE")) {
    std::size_t last = tokens.size();
    while (last > where + 1 && tokens[last - 1].text == ";") --last;
    parts.where = slice(create_index_sql, tokens, where + 1, last);
  }
  return parts;
}

}  // namespace safemig::schema::detail
