// SQL script lexer and statement splitter (see sql_splitter.h).
//
// Thread safety: pure functions.
#include "safemig/migrate/sql_splitter.h"

#include <algorithm>

namespace safemig::migrate {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) { return is_word_start(c) || is_digit(c) || c == '$'; }

int count_newlines(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// Lexes one state at a time; `pos_` always points at the next unread character.
class Lexer {
 public:
  explicit Lexer(std::string_view script) : script_(script) {}

  Result<std::vector<SqlToken>> run() {
    std::vector<SqlToken> tokens;
    while (pos_ < script_.size()) {
      const char c = script_[pos_];
      const char next = pos_ + 1 < script_.size() ? script_[pos_ + 1] : '\0';
      if (is_space(c)) {
        if (c == '\n') {
          ++line_;
        }
        ++pos_;
      } else if (c == '-' && next == '-') {
        const std::size_t eol = script_.find('\n', pos_);
        pos_ = eol == std::string_view::npos ? script_.size() : eol;
      } else if (c == '/' && next == '*') {
        const std::size_t close = script_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          return fail(ErrorCode::invalid_input, "unterminated /* comment starting on line " +
                                                    std::to_string(line_) + "; close it with */");
        }
        line_ += count_newlines(script_.substr(pos_, close - pos_));
        pos_ = close + 2;
      } else if (c == '\'') {
        SAFEMIG_TRY(SqlToken token, quoted(SqlToken::Kind::string, '\'', "string literal"));
        tokens.push_back(std::move(token));
      } else if (c == '"' || c == '`') {
        SAFEMIG_TRY(SqlToken token,
                    quoted(SqlToken::Kind::quoted_identifier, c, "quoted identifier"));
        tokens.push_back(std::move(token));
      } else if (c == '[') {
        SAFEMIG_TRY(SqlToken token, bracketed());
        tokens.push_back(std::move(token));
      } else if (is_word_start(c)) {
        tokens.push_back(run_of(SqlToken::Kind::word, is_word_char));
      } else if (is_digit(c)) {
        tokens.push_back(run_of(SqlToken::Kind::number, [](char d) {
          return is_digit(d) || is_word_start(d) || d == '.';
        }));
      } else {
        tokens.push_back(
            SqlToken{SqlToken::Kind::punctuation, std::string(1, c), pos_, pos_ + 1, line_});
        ++pos_;
      }
    }
    return tokens;
  }

 private:
  template <typename Pred>
  SqlToken run_of(SqlToken::Kind kind, Pred accepts) {
    const std::size_t begin = pos_;
    while (pos_ < script_.size() && accepts(script_[pos_])) {
      ++pos_;
    }
    return SqlToken{kind, std::string(script_.substr(begin, pos_ - begin)), begin, pos_, line_};
  }

  // A token delimited by `quote` on both sides, where a doubled quote stands for one.
  Result<SqlToken> quoted(SqlToken::Kind kind, char quote, std::string_view what) {
    const std::size_t begin = pos_;
    const int start_line = line_;
    std::string value;
    std::size_t i = pos_ + 1;
    while (true) {
      const std::size_t close = script_.find(quote, i);
      if (close == std::string_view::npos) {
        return fail(ErrorCode::invalid_input,
                    "unterminated " + std::string(what) + " starting on line " +
                        std::to_string(start_line) + "; close it with " + std::string(1, quote) +
                        " (write " + std::string(2, quote) + " for a " + std::string(1, quote) +
                        " inside it)");
      }
      value.append(script_.substr(i, close - i));
      if (close + 1 < script_.size() && script_[close + 1] == quote) {
        value += quote;
        i = close + 2;
        continue;
      }
      pos_ = close + 1;
      break;
    }
    line_ += count_newlines(script_.substr(begin, pos_ - begin));
    return SqlToken{kind, std::move(value), begin, pos_, start_line};
  }

  Result<SqlToken> bracketed() {
    const std::size_t close = script_.find(']', pos_ + 1);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::invalid_input, "unterminated [identifier] starting on line " +
                                                std::to_string(line_) + "; close it with ]");
    }
    SqlToken token{SqlToken::Kind::quoted_identifier,
                   std::string(script_.substr(pos_ + 1, close - pos_ - 1)), pos_, close + 1, line_};
    line_ += count_newlines(script_.substr(pos_, close - pos_));
    pos_ = close + 1;
    return token;
  }

  std::string_view script_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

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

Result<std::vector<SqlToken>> tokenize_sql(std::string_view script) { return Lexer(script).run(); }

Result<std::vector<SqlStatement>> split_sql_script(std::string_view script) {
  SAFEMIG_TRY(std::vector<SqlToken> tokens, tokenize_sql(script));
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
