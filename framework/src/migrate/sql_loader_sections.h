// Single-file migrations: the up and down sections of a goose or dbmate file.
//
// goose (internal/sqlparser/parser.go): annotations are comment lines "-- +goose <Up|Down|
// StatementBegin|StatementEnd|NO TRANSACTION|ENVSUB ON|ENVSUB OFF>" (case-insensitive), never
// indented. Only blank and comment lines may precede "-- +goose Up"; "-- +goose Down" is
// optional (without it the down runs nothing); StatementBegin/StatementEnd enclose one
// statement inside a section; NO TRANSACTION anywhere runs the file outside a transaction.
// ENVSUB ON (environment substitution at run time) is refused: safemig runs the text as written.
//
// dbmate (pkg/dbmate/migration.go): a line "-- migrate:up [options]" and, after it, a line
// "-- migrate:down [options]", both required; only blank and comment lines before the up line.
// Each section runs from its directive line to the next; the option "transaction:false" on a
// directive runs that section outside a transaction. Several up/down pairs in one file (newer
// dbmate) are refused: safemig's step is one up and one down.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "safemig/error.h"

namespace safemig::migrate::loader {

struct Section {
  std::string text;    // The section's SQL (possibly empty or only comments).
  int first_line = 1;  // Line of the file where `text` starts.
  bool transactional = true;
};

struct SectionedFile {
  Section up;
  Section down;  // Empty when the file has no down section (goose).
};

// True when some line of `text` is a goose annotation ("-- +goose …").
bool has_goose_annotation(std::string_view text);
// True when some line of `text` is a dbmate "-- migrate:up" directive.
bool has_dbmate_up(std::string_view text);

// Errors: invalid_input naming the line and what the tool expects.
Result<SectionedFile> split_goose_file(std::string_view text);
Result<SectionedFile> split_dbmate_file(std::string_view text);

}  // namespace safemig::migrate::loader
