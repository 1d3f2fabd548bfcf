// Implements sql_loader_sections.h.
#include "migrate/sql_loader_sections.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace safemig::migrate::loader {
namespace {

struct Line {
  std::string_view text;  // Without its line end ("\n", "\r\n").
  std::size_t begin = 0;  // Offset of its first character in the file.
  int number = 1;
};

std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> lines;
  std::size_t begin = 0;
  int number = 1;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(Line{line, begin, number++});
    begin = end + 1;
  }
  return lines;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_blank_or_comment(std::string_view line) {
  const std::string_view trimmed = trim(line);
  return trimmed.empty() || trimmed.starts_with("--");
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_goose_line(std::string_view line) {
  return trim(line).starts_with("--") && line.find("+goose") != std::string_view::npos;
}

std::string at_line(int number) { return "line " + std::to_string(number) + ": "; }

Error goose_error(int line, const std::string& what) {
  return Error(ErrorCode::invalid_input,
               at_line(line) + what + " (see https://github.com/pressly/goose#sql-migrations)");
}

// goose's extractAnnotation: every "--" removed, then the first "+goose", then trimmed.
std::string goose_annotation(std::string_view line) {
  std::string command;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line.substr(i, 2) == "--") {
      ++i;
      continue;
    }
    command += line[i];
  }
  const std::size_t marker = command.find("+goose");
  command.erase(marker, 6);
  return std::string(trim(command));
}

// A dbmate directive line "--\s*migrate:<word>(\s*$|\s+\S+)": its options text, or nullopt.
std::optional<std::string_view> dbmate_directive(std::string_view line, std::string_view word) {
  if (!line.starts_with("--")) return std::nullopt;
  std::string_view rest = line.substr(2);
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  const std::string directive = "migrate:" + std::string(word);
  if (!rest.starts_with(directive)) return std::nullopt;
  rest.remove_prefix(directive.size());
  if (!rest.empty() && !is_space(rest.front())) return std::nullopt;
  return trim(rest);
}

// dbmate's options: whitespace-separated key:value pairs; transaction:false turns it off.
bool dbmate_transactional(std::string_view options) {
  while (!options.empty()) {
    const std::size_t end = std::min(options.find_first_of(" \t"), options.size());
    const std::string_view pair = options.substr(0, end);
    if (pair == "transaction:false") return false;
    options = trim(options.substr(end));
  }
  return true;
}

}  // namespace

bool has_goose_annotation(std::string_view text) {
  const std::vector<Line> lines = lines_of(text);
  return std::any_of(lines.begin(), lines.end(),
                     [](const Line& l) { return is_goose_line(l.text); });
}

bool has_dbmate_up(std::string_view text) {
  const std::vector<Line> lines = lines_of(text);
  return std::any_of(lines.begin(), lines.end(),
                     [](const Line& l) { return dbmate_directive(l.text, "up").has_value(); });
}

Result<SectionedFile> split_goose_file(std::string_view text) {
  enum class State { start, up, up_statement, down, down_statement };
  State state = State::start;
  bool transactional = true;
  std::size_t up_begin = 0, up_end = text.size(), down_begin = text.size();
  int up_line = 1, down_line = 1;
  int statement_line = 0;
  const std::vector<Line> lines = lines_of(text);
  for (const Line& line : lines) {
    const std::size_t next = std::min(line.begin + line.text.size() + 1, text.size());
    if (!is_goose_line(line.text)) {
      if (state == State::start && !is_blank_or_comment(line.text)) {
        return fail(goose_error(line.number,
                                "a statement before '-- +goose Up'; goose requires "
                                "the file to start with '-- +goose Up'"));
      }
      continue;
    }
    if (line.text.front() == ' ' || line.text.front() == '\t') {
      return fail(goose_error(line.number, "a goose annotation must not be indented"));
    }
    const std::string command = goose_annotation(line.text);
    if (iequals(command, "Up")) {
      if (state != State::start) {
        return fail(goose_error(line.number, "a second '-- +goose Up'; keep one Up section"));
      }
      state = State::up;
      up_begin = next;
      up_line = line.number + 1;
    } else if (iequals(command, "Down")) {
      if (state == State::start) {
        return fail(goose_error(line.number,
                                "'-- +goose Down' before '-- +goose Up'; put the "
                                "Up section first"));
      }
      if (state != State::up) {
        return fail(goose_error(line.number, state == State::down
                                                 ? "a second '-- +goose Down'; keep one"
                                                 : "'-- +goose Down' inside a StatementBegin "
                                                   "block; close it with '-- +goose "
                                                   "StatementEnd' first"));
      }
      state = State::down;
      up_end = line.begin;
      down_begin = next;
      down_line = line.number + 1;
    } else if (iequals(command, "StatementBegin")) {
      if (state != State::up && state != State::down) {
        return fail(goose_error(line.number,
                                "'-- +goose StatementBegin' must be inside the Up "
                                "or Down section and not inside another "
                                "StatementBegin block"));
      }
      state = state == State::up ? State::up_statement : State::down_statement;
      statement_line = line.number;
    } else if (iequals(command, "StatementEnd")) {
      if (state != State::up_statement && state != State::down_statement) {
        return fail(goose_error(line.number,
                                "'-- +goose StatementEnd' without a "
                                "'-- +goose StatementBegin' before it"));
      }
      state = state == State::up_statement ? State::up : State::down;
    } else if (iequals(command, "NO TRANSACTION")) {
      transactional = false;
    } else if (iequals(command, "ENVSUB ON")) {
      return fail(goose_error(line.number,
                              "'-- +goose ENVSUB ON' substitutes environment variables when goose "
                              "runs the file; safemig runs the SQL as written: write the values "
                              "into the file and remove the annotation"));
    } else if (!iequals(command, "ENVSUB OFF")) {
      return fail(goose_error(line.number, "unknown goose annotation '" + command +
                                               "'; goose knows Up, Down, StatementBegin, "
                                               "StatementEnd, NO TRANSACTION, ENVSUB ON/OFF"));
    }
  }
  if (state == State::start) {
    return fail(goose_error(lines.empty() ? 1 : lines.back().number,
                            "no '-- +goose Up' annotation; goose requires the file to start with "
                            "'-- +goose Up'"));
  }
  if (state == State::up_statement || state == State::down_statement) {
    return fail(goose_error(statement_line,
                            "'-- +goose StatementBegin' is never closed; add "
                            "'-- +goose StatementEnd' after the statement"));
  }
  SectionedFile file;
  file.up = Section{std::string(text.substr(up_begin, up_end - up_begin)), up_line, transactional};
  file.down = Section{std::string(text.substr(down_begin)), down_line, transactional};
  return file;
}

Result<SectionedFile> split_dbmate_file(std::string_view text) {
  std::optional<Line> up;
  std::optional<Line> down;
  const std::vector<Line> lines = lines_of(text);
  for (const Line& line : lines) {
    if (dbmate_directive(line.text, "up")) {
      if (up) {
        return fail(ErrorCode::invalid_input,
                    at_line(line.number) +
                        "a second '-- migrate:up'; safemig reads one up and one down section per "
                        "file: move this pair into its own migration file");
      }
      up = line;
    } else if (dbmate_directive(line.text, "down")) {
      if (down) {
        return fail(ErrorCode::invalid_input,
                    at_line(line.number) + "a second '-- migrate:down'; keep one down section");
      }
      if (!up) {
        return fail(ErrorCode::invalid_input,
                    at_line(line.number) +
                        "'-- migrate:down' before '-- migrate:up'; dbmate requires the up "
                        "section first");
      }
      down = line;
    } else if (!up && !is_blank_or_comment(line.text)) {
      return fail(ErrorCode::invalid_input,
                  at_line(line.number) +
                      "a statement before '-- migrate:up'; dbmate does not allow statements "
                      "before the up section: move it below '-- migrate:up'");
    }
  }
  if (!up) {
    return fail(ErrorCode::invalid_input,
                "no '-- migrate:up' line; dbmate requires each migration to define an up "
                "section with '-- migrate:up' and a down section with '-- migrate:down'");
  }
  if (!down) {
    return fail(ErrorCode::invalid_input,
                "no '-- migrate:down' line; dbmate requires each migration to define a down "
                "section with '-- migrate:down' (it may be empty)");
  }
  SectionedFile file;
  file.up = Section{std::string(text.substr(up->begin, down->begin - up->begin)), up->number,
                    dbmate_transactional(*dbmate_directive(up->text, "up"))};
  file.down = Section{std::string(text.substr(down->begin)), down->number,
                      dbmate_transactional(*dbmate_directive(down->text, "down"))};
  return file;
}

}  // namespace safemig::migrate::loader
