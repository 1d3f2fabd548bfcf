// Implements sql_loader_directives.h.
#include "migrate/sql_loader_directives.h"

#include <optional>
#include <sstream>

#include "safemig/migrate/sql_splitter.h"

namespace safemig::migrate::loader {
namespace {

std::string trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const std::size_t last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

Result<std::vector<std::string>> parse_table_list(std::string_view args) {
  SAFEMIG_TRY(std::vector<SqlToken> tokens, tokenize_sql(args));
  std::vector<std::string> tables;
  bool expect_name = true;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    const bool is_name =
        token.kind == SqlToken::Kind::word || token.kind == SqlToken::Kind::quoted_identifier;
    if (expect_name && is_name) {
      if (i + 2 < tokens.size() && tokens[i + 1].text == "." &&
          tokens[i + 1].kind == SqlToken::Kind::punctuation) {
        i += 2;
      }
      tables.push_back(tokens[i].text);
      expect_name = false;
    } else if (!expect_name && token.kind == SqlToken::Kind::punctuation && token.text == ",") {
      expect_name = true;
    } else {
      return fail(ErrorCode::invalid_input, "expected table names separated by commas");
    }
  }
  if (tables.empty() || expect_name) {
    return fail(ErrorCode::invalid_input, "expected table names separated by commas");
  }
  return tables;
}

// Applies one directive `body` (the text after "safemig:").
Result<void> apply_directive(std::string_view body, bool down, Directives& directives) {
  const std::size_t space = body.find_first_of(" \t");
  const std::string name(body.substr(0, space));
  const std::string args = space == std::string_view::npos ? "" : trim(body.substr(space));
  if (name == "no-transaction" || name == "rows-change") {
    if (!args.empty()) {
      return fail(ErrorCode::invalid_input, "-- safemig:" + name + " takes no arguments");
    }
    if (name == "no-transaction") {
      directives.transactional = false;
    } else {
      directives.rows_change = true;
    }
    return {};
  }
  if (name == "touches") {
    auto tables = parse_table_list(args);
    if (!tables) {
      return fail(ErrorCode::invalid_input, "-- safemig:touches: " + tables.error().message +
                                                ", e.g. -- safemig:touches users, orders");
    }
    directives.touches.insert(directives.touches.end(), tables->begin(), tables->end());
    return {};
  }
  if (name == "verify") {
    if (down) {
      return fail(ErrorCode::invalid_input,
                  "-- safemig:verify checks the result of the up script; move it to the top "
                  "of the up script");
    }
    std::string query = args;
    while (!query.empty() && (query.back() == ';' || query.back() == ' ')) {
      query.pop_back();
    }
    if (query.empty()) {
      return fail(ErrorCode::invalid_input,
                  "-- safemig:verify needs a query, e.g. -- safemig:verify SELECT count(*) = 0 "
                  "FROM t WHERE v IS NULL");
    }
    directives.verify.push_back(std::move(query));
    return {};
  }
  return fail(ErrorCode::invalid_input,
              "unknown directive '-- safemig:" + name +
                  "'; the directives are no-transaction, touches, rows-change and verify");
}

}  // namespace

Result<Directives> parse_directives(std::string_view script, int first_line, bool down) {
  Directives directives;
  std::istringstream lines{std::string(script)};
  std::string line;
  bool leading = true;
  for (int number = first_line; std::getline(lines, line); ++number) {
    const std::string trimmed = trim(line);
    if (trimmed.empty() && leading) {
      continue;
    }
    std::optional<std::string> body;
    if (trimmed.starts_with("--")) {
      const std::string comment = trim(std::string_view(trimmed).substr(2));
      if (lower_ascii(comment).starts_with("safemig:")) {
        body = trim(comment.substr(8));
      }
    } else {
      leading = false;
    }
    if (!body) {
      continue;
    }
    const std::string where = "line " + std::to_string(number);
    if (!leading) {
      return fail(ErrorCode::invalid_input,
                  where +
                      ": safemig directives must be in the comment lines at the top of the "
                      "script, before the first statement");
    }
    auto applied = apply_directive(*body, down, directives);
    if (!applied) {
      return fail(applied.error().with_prefix(where));
    }
  }
  return directives;
}

}  // namespace safemig::migrate::loader
