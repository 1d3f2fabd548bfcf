// Implements sql_loader_step.h.
#include "migrate/sql_loader_step.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "migrate/sql_loader_directives.h"
#include "migrate/sql_loader_files.h"
#include "migrate/sql_loader_sections.h"
#include "migrate/sql_loader_tables.h"
#include "safemig/migrate/sql_splitter.h"

namespace safemig::migrate::loader {
namespace {

// One direction's script before analysis.
struct Script {
  std::string text;
  int first_line = 1;
  std::string display;
  std::filesystem::path path;
  bool transactional = true;  // What the tool's own annotations say.
};

struct Analysed {
  Directives directives;
  std::vector<SqlStatement> statements;
  TableEffects effects;
};

Result<Analysed> analyse(const Script& script, bool down) {
  Analysed out;
  auto prefixed = [&](const Error& error) {
    return error.with_prefix(script.display).with_file(script.path.string());
  };
  auto statements = split_sql_script(script.text, script.first_line);
  if (!statements) {
    return fail(prefixed(statements.error()));
  }
  auto directives = parse_directives(script.text, script.first_line, down);
  if (!directives) {
    return fail(prefixed(directives.error()));
  }
  out.statements = std::move(*statements);
  out.directives = std::move(*directives);
  out.effects = analyse_tables(out.statements);
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Declared tables first, then inferred ones, each once (case-insensitively).
std::vector<std::string> merge_tables(const std::vector<std::string>& declared,
                                      const std::vector<std::string>& inferred) {
  std::vector<std::string> tables;
  std::set<std::string> seen;
  for (const auto* list : {&declared, &inferred}) {
    for (const std::string& table : *list) {
      if (seen.insert(lower_ascii(table)).second) tables.push_back(table);
    }
  }
  return tables;
}

// The up and down scripts of `candidate` and its definition text, or problems.
struct Scripts {
  Script up;
  std::optional<Script> down;
  std::string raw_up;    // Bytes of the up file (the whole file for sections).
  std::string raw_down;  // Bytes of the down file, if any.
};

std::optional<Scripts> read_scripts(const Candidate& candidate, Layout layout, Problems& problems) {
  auto up_text = read_text(candidate.up.path, candidate.up.display);
  if (!up_text) {
    problems.add(up_text.error());
    return std::nullopt;
  }
  Scripts scripts;
  scripts.raw_up = *up_text;
  if (candidate.sections) {
    auto split = layout == Layout::goose ? split_goose_file(*up_text) : split_dbmate_file(*up_text);
    if (!split) {
      problems.add(
          split.error().with_prefix(candidate.up.display).with_file(candidate.up.path.string()));
      return std::nullopt;
    }
    const std::string up_marker = layout == Layout::goose ? "-- +goose Up" : "-- migrate:up";
    const std::string down_marker = layout == Layout::goose ? "-- +goose Down" : "-- migrate:down";
    scripts.up = Script{std::move(split->up.text), split->up.first_line,
                        candidate.up.display + " (" + up_marker + " section)", candidate.up.path,
                        split->up.transactional};
    scripts.down = Script{std::move(split->down.text), split->down.first_line,
                          candidate.up.display + " (" + down_marker + " section)",
                          candidate.up.path, split->down.transactional};
    return scripts;
  }
  // sqlx's own marker: a file starting with "-- no-transaction" runs outside a transaction.
  const bool sqlx = layout == Layout::sqlx;
  scripts.up = Script{*up_text, 1, candidate.up.display, candidate.up.path,
                      !(sqlx && up_text->starts_with("-- no-transaction"))};
  if (candidate.down) {
    auto down_text = read_text(candidate.down->path, candidate.down->display);
    if (!down_text) {
      problems.add(down_text.error());
      return std::nullopt;
    }
    scripts.raw_down = *down_text;
    scripts.down = Script{*down_text, 1, candidate.down->display, candidate.down->path,
                          !(sqlx && down_text->starts_with("-- no-transaction"))};
  }
  return scripts;
}

}  // namespace

std::optional<MigrationStep> build_step(const Candidate& candidate, Layout layout,
                                        Problems& problems) {
  std::optional<Scripts> scripts = read_scripts(candidate, layout, problems);
  if (!scripts) {
    return std::nullopt;
  }
  auto up = analyse(scripts->up, false);
  std::optional<Result<Analysed>> down;
  if (scripts->down) {
    down = analyse(*scripts->down, true);
  }
  const std::size_t before = problems.size();
  if (!up) problems.add(up.error());
  if (down && !*down) problems.add(down->error());
  if (problems.size() != before) {
    return std::nullopt;
  }

  MigrationStep step;
  step.version = candidate.version;
  if (candidate.text_version) step.version_name = candidate.version_text;
  step.name = candidate.name;
  step.repeatable = candidate.repeatable;
  // safemig runs a step as one unit: if any part of it must run outside a transaction, all of
  // it does (a failure is then repaired from the file backup).
  step.transactional =
      !candidate.no_transaction && scripts->up.transactional && up->directives.transactional &&
      (!down || (scripts->down->transactional && (*down)->directives.transactional));
  if (step.transactional) {
    const std::size_t count = problems.size();
    auto check = [&](const Analysed& analysed, const Script& script) {
      auto checked = check_no_transaction_control(analysed.statements);
      if (!checked) {
        problems.add(checked.error().with_prefix(script.display).with_file(script.path.string()));
      }
    };
    check(*up, scripts->up);
    if (down) check(**down, *scripts->down);
    if (problems.size() != count) {
      return std::nullopt;
    }
  }
  step.row_policy = up->directives.rows_change ? RowPolicy::declared_change : RowPolicy::preserve;
  step.verify_sql = up->directives.verify;
  step.touched_tables = merge_tables(up->directives.touches, up->effects.touched);
  step.rebuilds_tables = up->effects.drops_table;

  if (candidate.sections) {
    step.definition = checksum_text(scripts->raw_up);
    step.earlier_checksums = {definition_checksum(scripts->raw_up)};
  } else {
    // The checksum covers what the up file says, not how it is stored (line endings, a byte
    // order mark), and not its down file, which runs only when asked for (as Flyway checksums
    // undo files apart).
    step.definition = checksum_text(scripts->raw_up);
    step.earlier_checksums = {definition_checksum(scripts->raw_up)};
    if (scripts->down) {
      // What earlier releases recorded: both files' bytes, separated by a NUL (they hold none).
      step.earlier_checksums.push_back(
          definition_checksum(scripts->raw_up + '\0' + scripts->raw_down));
      step.earlier_checksums.push_back(definition_checksum(checksum_text(scripts->raw_up) + '\0' +
                                                           checksum_text(scripts->raw_down)));
    }
  }
  step.up = std::move(scripts->up.text);
  if (down) {
    const Analysed& analysed = **down;
    step.down_row_policy =
        analysed.directives.rows_change ? RowPolicy::declared_change : RowPolicy::preserve;
    step.down_touched_tables = merge_tables(analysed.directives.touches, analysed.effects.touched);
    step.rebuilds_tables = step.rebuilds_tables || analysed.effects.drops_table;
    step.down = std::move(scripts->down->text);
  }
  return step;
}

}  // namespace safemig::migrate::loader
