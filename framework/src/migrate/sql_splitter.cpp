// SQL script statement splitter over the schema library's lexer (see sql_splitter.h).
//
// Thread safety: pure functions.
#include "safemig/migrate/sql_splitter.h"

#include <algorithm>

#include "schema/sql_tokenizer.h"

namespace safemig::migrate {
namespace {

namespace lex = schema::detail;

int count_newlines(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

SqlToken::Kind token_kind(lex::TokenKind kind) {
  switch (kind) {
    case lex::TokenKind::word:
      return SqlToken::Kind::word;
    case lex::TokenKind::quoted_identifier:
      return SqlToken::Kind::quoted_identifier;
    case lex::TokenKind::string:
      return SqlToken::Kind::string;
    case lex::TokenKind::blob:
      return SqlToken::Kind::blob;
    case lex::TokenKind::number:
      return SqlToken::Kind::number;
    case lex::TokenKind::parameter:
      return SqlToken::Kind::parameter;
    case lex::TokenKind::punctuation:
      return SqlToken::Kind::punctuation;
  }
  return SqlToken::Kind::punctuation;
}

// The value of a token: identifiers unquoted, strings with '' unescaped, the rest as written.
std::string token_text(const lex::Token& token) {
  if (token.kind == lex::TokenKind::quoted_identifier) {
    return lex::unquote_identifier(token.text);
  }
  if (token.kind == lex::TokenKind::string) {
    std::string value;
    std::string_view inner = token.text.substr(1);
    if (!inner.empty() && inner.back() == '\'') inner.remove_suffix(1);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      value += inner[i];
      if (inner[i] == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
    }
    return value;
  }
  return std::string(token.text);
}

Error unterminated_error(const lex::Unterminated& open, int line) {
  const std::string where = " starting on line " + std::to_string(line);
  switch (open.what) {
    case lex::Unterminated::What::block_comment:
      return Error(ErrorCode::invalid_input,
                   "unterminated /* comment" + where + "; close it with */");
    case lex::Unterminated::What::bracket_identifier:
      return Error(ErrorCode::invalid_input,
                   "unterminated [identifier]" + where + "; close it with ]");
    case lex::Unterminated::What::string:
    case lex::Unterminated::What::blob:
      return Error(ErrorCode::invalid_input, "unterminated string literal" + where +
                                                 "; close it with ' (write '' for a ' inside it)");
    case lex::Unterminated::What::quoted_identifier:
      break;
  }
  const std::string quote(1, open.quote);
  return Error(ErrorCode::invalid_input, "unterminated quoted identifier" + where +
                                             "; close it with " + quote + " (write " + quote +
                                             quote + " for a " + quote + " inside it)");
}

bool is_word(const SqlToken& token, std::string_view upper_word) {
  return token.kind == SqlToken::Kind::word && upper_ascii(token.text) == upper_word;
}

// True when tokens[first, first+3) start a CREATE [TEMP|TEMPORARY] TRIGGER statement.
bool starts_trigger(const std::vector<SqlToken>& tokens, std::size_t first, std::size_t end) {
  if (end - first < 2 || !is_word(tokens[first], "CREATE")) {
    return false;
  }
  if (is_word(tokens[first + 1], "TRIGGER")) {
    return true;
  }
  return end - first >= 3 &&
         (is_word(tokens[first + 1], "TEMP") || is_word(tokens[first + 1], "TEMPORARY")) &&
         is_word(tokens[first + 2], "TRIGGER");
}

SqlStatement make_statement(std::string_view script, const std::vector<SqlToken>& tokens,
                            std::size_t first, std::size_t end) {
  SqlStatement statement;
  statement.text =
      std::string(script.substr(tokens[first].begin, tokens[end - 1].end - tokens[first].begin));
  statement.line = tokens[first].line;
  statement.tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(first),
                          tokens.begin() + static_cast<std::ptrdiff_t>(end));
  return statement;
}

}  // namespace

std::string upper_ascii(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

Result<std::vector<SqlToken>> tokenize_sql(std::string_view script, int first_line) {
  const lex::LexedSql lexed = lex::lex_sql(script);
  std::vector<SqlToken> tokens;
  tokens.reserve(lexed.tokens.size());
  int line = first_line;
  std::size_t counted = 0;  // Newlines before this offset are in `line`.
  auto line_at = [&](std::size_t offset) {
    line += count_newlines(script.substr(counted, offset - counted));
    counted = offset;
    return line;
  };
  for (const lex::Token& token : lexed.tokens) {
    if (lexed.unterminated && token.begin >= lexed.unterminated->begin) break;
    tokens.push_back(SqlToken{token_kind(token.kind), token_text(token), token.begin, token.end,
                              line_at(token.begin)});
  }
  if (lexed.unterminated) {
    return fail(unterminated_error(*lexed.unterminated, line_at(lexed.unterminated->begin)));
  }
  return tokens;
}

Result<std::vector<SqlStatement>> split_sql_script(std::string_view script, int first_line) {
  SAFEMIG_TRY(std::vector<SqlToken> tokens, tokenize_sql(script, first_line));
  std::vector<SqlStatement> statements;
  std::size_t first = 0;  // First token of the current statement.
  bool trigger = false;   // The current statement is a CREATE TRIGGER.
  int depth = 0;          // Open BEGIN/CASE blocks of a trigger, each closed by END.
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    if (token.kind == SqlToken::Kind::punctuation && token.text == ";") {
      if (trigger && depth > 0) {
        continue;
      }
      if (i > first) {
        statements.push_back(make_statement(script, tokens, first, i));
      }
      first = i + 1;
      trigger = false;
      depth = 0;
      continue;
    }
    if (i - first < 3) {
      trigger = starts_trigger(tokens, first, i + 1);
    }
    if (!trigger || token.kind != SqlToken::Kind::word) {
      continue;
    }
    const std::string word = upper_ascii(token.text);
    if (word == "CASE" || (word == "BEGIN" && depth == 0)) {
      ++depth;
    } else if (word == "END" && depth > 0) {
      --depth;
    }
  }
  if (trigger && depth > 0) {
    return fail(ErrorCode::invalid_input,
                "unterminated CREATE TRIGGER starting on line " +
                    std::to_string(tokens[first].line) +
                    ": its BEGIN … END body is never closed; end it with END;");
  }
  if (first < tokens.size()) {
    statements.push_back(make_statement(script, tokens, first, tokens.size()));
  }
  return statements;
}

Result<std::vector<std::string>> split_sql_statements(std::string_view script) {
  SAFEMIG_TRY(std::vector<SqlStatement> statements, split_sql_script(script));
  std::vector<std::string> texts;
  texts.reserve(statements.size());
  for (SqlStatement& statement : statements) {
    texts.push_back(std::move(statement.text));
  }
  return texts;
}

}  // namespace safemig::migrate
