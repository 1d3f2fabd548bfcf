// The single error vocabulary of safemig.
//
// Every fallible function returns Result<T> = tl::expected<T, Error>. An Error carries a code
// whose meaning tells the caller what to do next (retry the call, retry the transaction, ask a
// person), a message a user can act on, and optional context (SQL, step, file).
//
// Thread safety: Error is a plain value type.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace safemig {

enum class ErrorCode {
  // Retry the same call after a short wait: another connection holds a lock.
  busy,
  // Another process holds the single-writer lock (or a table lock): wait for it or stop it.
  locked,
  // A constraint (NOT NULL, UNIQUE, CHECK, FOREIGN KEY) rejected the change.
  constraint,
  // The live schema differs from the one expected.
  schema_mismatch,
  // A file is damaged: integrity check or checksum failed.
  corrupt,
  // The operating system refused an I/O operation (disk full, permission, missing directory).
  io,
  // The caller passed something malformed: a flag, a date, a file name, a request parameter.
  invalid_input,
  // The thing asked for does not exist.
  not_found,
  // The file exists but is not a database.
  not_a_database,
  // A write was attempted on a read-only connection.
  read_only,
  // An applied migration differs from its definition: a person must decide (exit code 3).
  checksum_mismatch,
  // The state must be fixed by a person first (e.g. an unrecoverable journal).
  failed_precondition,
  // The transaction was rolled back; the whole operation may be retried.
  aborted,
  // Data may have been lost; never retry automatically.
  data_loss,
  // A bug or an engine failure that fits no other code.
  internal,
};

// Stable lower-case name of a code ("busy", "schema_mismatch", ...), used in logs and JSON.
std::string_view to_string(ErrorCode code);

// True for codes where retrying the same call later can succeed (busy, locked, aborted).
bool is_retryable(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // What happened and what to do, in words a user can act on.
  std::string sql;      // The statement that failed, if any.
  std::string step;     // The migration step, e.g. "V3 rebuild_completion_requests".
  std::string file;     // The file involved, if any.

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // Returns a copy whose message is "<prefix>: <message>"; used to add context while
  // propagating ("stage backup of V3: ...").
  Error with_prefix(std::string_view prefix) const;
  Error with_sql(std::string s) const;
  Error with_step(std::string s) const;
  Error with_file(std::string f) const;

  // One line for humans: "<message> [step: …] [file: …] [sql: …]".
  std::string describe() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::make_unexpected(Error(code, std::move(message)));
}

inline tl::unexpected<Error> fail(Error error) { return tl::make_unexpected(std::move(error)); }

}  // namespace safemig

#define SAFEMIG_CONCAT_INNER(a, b) a##b
#define SAFEMIG_CONCAT(a, b) SAFEMIG_CONCAT_INNER(a, b)

// In the two macros below, `tmp` is a name and `lhs` a declaration (`auto x`): neither can be
// parenthesized, so bugprone-macro-parentheses does not apply to them.
// NOLINTBEGIN(bugprone-macro-parentheses)

// Evaluates `expr` (a Result<T>); on error returns the error from the enclosing function.
#define SAFEMIG_TRY_VOID(expr) \
  SAFEMIG_TRY_VOID_IMPL(expr, SAFEMIG_CONCAT(safemig_try_void_, __COUNTER__))
#define SAFEMIG_TRY_VOID_IMPL(expr, tmp)                    \
  do {                                                      \
    auto&& tmp = (expr);                                    \
    if (!tmp) {                                             \
      return ::tl::make_unexpected(std::move(tmp).error()); \
    }                                                       \
  } while (false)

// Declares `lhs` from the value of `expr` (a Result<T>); on error returns the error.
#define SAFEMIG_TRY(lhs, expr) \
  SAFEMIG_TRY_IMPL(lhs, expr, SAFEMIG_CONCAT(safemig_try_, __COUNTER__))
#define SAFEMIG_TRY_IMPL(lhs, expr, tmp)                  \
  auto tmp = (expr);                                      \
  if (!tmp) {                                             \
    return ::tl::make_unexpected(std::move(tmp).error()); \
  }                                                       \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
