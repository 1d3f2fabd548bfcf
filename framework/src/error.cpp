#include "safemig/error.h"

namespace safemig {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::busy:
      return "busy";
    case ErrorCode::locked:
      return "locked";
    case ErrorCode::constraint:
      return "constraint";
    case ErrorCode::schema_mismatch:
      return "schema_mismatch";
    case ErrorCode::corrupt:
      return "corrupt";
    case ErrorCode::io:
      return "io";
    case ErrorCode::invalid_input:
      return "invalid_input";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::not_a_database:
      return "not_a_database";
    case ErrorCode::read_only:
      return "read_only";
    case ErrorCode::checksum_mismatch:
      return "checksum_mismatch";
    case ErrorCode::failed_precondition:
      return "failed_precondition";
    case ErrorCode::aborted:
      return "aborted";
    case ErrorCode::data_loss:
      return "data_loss";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

bool is_retryable(ErrorCode code) {
  return code == ErrorCode::busy || code == ErrorCode::locked || code == ErrorCode::aborted;
}

Error Error::with_prefix(std::string_view prefix) const {
  Error e = *this;
  e.message = std::string(prefix) + ": " + message;
  return e;
}

Error Error::with_sql(std::string s) const {
  Error e = *this;
  e.sql = std::move(s);
  return e;
}

Error Error::with_step(std::string s) const {
  Error e = *this;
  e.step = std::move(s);
  return e;
}

Error Error::with_file(std::string f) const {
  Error e = *this;
  e.file = std::move(f);
  return e;
}

std::string Error::describe() const {
  std::string out = message;
  if (!step.empty()) out += " [step: " + step + "]";
  if (!file.empty()) out += " [file: " + file + "]";
  if (!sql.empty()) {
    constexpr std::size_t kMaxSql = 200;
    out += " [sql: " + (sql.size() > kMaxSql ? sql.substr(0, kMaxSql) + "…" : sql) + "]";
  }
  return out;
}

}  // namespace safemig
