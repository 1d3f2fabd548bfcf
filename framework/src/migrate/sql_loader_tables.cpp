// Implements sql_loader_tables.h.
#include "migrate/sql_loader_tables.h"

#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace safemig::migrate::loader {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool word_at(const std::vector<SqlToken>& tokens, std::size_t i, std::string_view upper_word) {
  return i < tokens.size() && tokens[i].kind == SqlToken::Kind::word &&
         upper_ascii(tokens[i].text) == upper_word;
}

// The table name at tokens[i] ("schema.table" gives "table"), and the index after it.
std::optional<std::pair<std::string, std::size_t>> name_at(const std::vector<SqlToken>& tokens,
                                                           std::size_t i) {
  auto is_name = [&](std::size_t k) {
    return k < tokens.size() && (tokens[k].kind == SqlToken::Kind::word ||
                                 tokens[k].kind == SqlToken::Kind::quoted_identifier);
  };
  if (!is_name(i)) {
    return std::nullopt;
  }
  if (i + 2 < tokens.size() && tokens[i + 1].kind == SqlToken::Kind::punctuation &&
      tokens[i + 1].text == "." && is_name(i + 2)) {
    i += 2;
  }
  return std::pair(tokens[i].text, i + 1);
}

class ScriptAnalysis {
 public:
  void add_statement(const std::vector<SqlToken>& tokens) {
    if (word_at(tokens, 0, "CREATE")) {
      std::size_t i = 1;
      if (word_at(tokens, i, "TEMP") || word_at(tokens, i, "TEMPORARY")) {
        ++i;
      }
      if (word_at(tokens, i, "TRIGGER")) {
        return;
      }
      if (word_at(tokens, i, "TABLE")) {
        ++i;
        if (word_at(tokens, i, "IF") && word_at(tokens, i + 1, "NOT")) {
          i += 3;
        }
        if (auto name = name_at(tokens, i)) {
          created_.insert(lower_ascii(name->first));
        }
        return;
      }
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      scan_at(tokens, i);
    }
  }

  TableEffects effects() && { return std::move(effects_); }

 private:
  void scan_at(const std::vector<SqlToken>& tokens, std::size_t i) {
    if (tokens[i].kind != SqlToken::Kind::word) {
      return;
    }
    const std::string word = upper_ascii(tokens[i].text);
    if (word == "ALTER" && word_at(tokens, i + 1, "TABLE")) {
      auto name = name_at(tokens, i + 2);
      if (!name) {
        return;
      }
      add(name->first);
      if (word_at(tokens, name->second, "RENAME") && word_at(tokens, name->second + 1, "TO")) {
        if (auto renamed = name_at(tokens, name->second + 2)) {
          created_.insert(lower_ascii(renamed->first));
        }
      }
    } else if (word == "DROP" && word_at(tokens, i + 1, "TABLE")) {
      std::size_t k = i + 2;
      if (word_at(tokens, k, "IF") && word_at(tokens, k + 1, "EXISTS")) {
        k += 2;
      }
      effects_.drops_table = true;
      if (auto name = name_at(tokens, k)) {
        add(name->first);
      }
    } else if (word == "INSERT" || word == "REPLACE" || word == "UPDATE") {
      std::size_t k = i + 1;
      if (word != "REPLACE" && word_at(tokens, k, "OR")) {
        k += 2;
      }
      if (word != "UPDATE") {
        if (!word_at(tokens, k, "INTO")) {
          return;
        }
        ++k;
      } else if (i > 0 && (word_at(tokens, i - 1, "ON") || word_at(tokens, i - 1, "DO"))) {
        return;  // ON UPDATE CASCADE, ON CONFLICT … DO UPDATE SET.
      }
      auto name = name_at(tokens, k);
      if (name && !(word == "UPDATE" && upper_ascii(name->first) == "SET")) {
        add(name->first);
      }
    } else if (word == "DELETE" && word_at(tokens, i + 1, "FROM")) {
      if (auto name = name_at(tokens, i + 2)) {
        add(name->first);
      }
    }
  }

  void add(const std::string& table) {
    const std::string key = lower_ascii(table);
    if (created_.count(key) > 0 || !seen_.insert(key).second) {
      return;
    }
    effects_.touched.push_back(table);
  }

  std::set<std::string> created_;  // Lower-cased names of tables the script itself creates.
  std::set<std::string> seen_;
  TableEffects effects_;
};

}  // namespace

TableEffects analyse_tables(const std::vector<SqlStatement>& statements) {
  ScriptAnalysis analysis;
  for (const SqlStatement& statement : statements) {
    analysis.add_statement(statement.tokens);
  }
  return std::move(analysis).effects();
}

Result<void> check_no_transaction_control(const std::vector<SqlStatement>& statements) {
  for (const SqlStatement& statement : statements) {
    const auto& tokens = statement.tokens;
    const bool rollback_to = word_at(tokens, 0, "ROLLBACK") &&
                             (word_at(tokens, 1, "TO") ||
                              (word_at(tokens, 1, "TRANSACTION") && word_at(tokens, 2, "TO")));
    if (rollback_to) {
      continue;
    }
    for (std::string_view keyword : {"BEGIN", "COMMIT", "END", "ROLLBACK"}) {
      if (word_at(tokens, 0, keyword)) {
        return fail(ErrorCode::invalid_input,
                    "line " + std::to_string(statement.line) + ": " + std::string(keyword) +
                        " controls the transaction, but safemig runs each migration in its own "
                        "transaction; remove it, or put -- safemig:no-transaction on the first "
                        "line to run the file outside a transaction");
      }
    }
  }
  return {};
}

}  // namespace safemig::migrate::loader
