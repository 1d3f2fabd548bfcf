// Values bound to and read from SQL statements, and a row of them.
//
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace safemig::db {

struct Null {
  friend bool operator==(Null, Null) { return true; }
};

using Blob = std::vector<std::uint8_t>;

// One SQL value: NULL, 64-bit integer, double, text or blob.
using Value = std::variant<Null, std::int64_t, double, std::string, Blob>;

// Helpers to build Values from optional application fields (an empty optional binds NULL).
Value value_of(const std::optional<std::int64_t>& v);
Value value_of(const std::optional<double>& v);
Value value_of(const std::optional<std::string>& v);
inline Value value_of(bool v) { return static_cast<std::int64_t>(v ? 1 : 0); }

// One result row. Accessors convert the way SQLite does for the common cases and never throw:
// reading text as an integer parses it, reading NULL gives 0 / "" / nullopt.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  std::size_t size() const { return values_.size(); }
  const Value& at(std::size_t i) const { return values_.at(i); }
  const std::vector<Value>& values() const { return values_; }

  bool is_null(std::size_t i) const;
  std::int64_t int64(std::size_t i) const;
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;
  std::optional<std::int64_t> opt_int64(std::size_t i) const;
  std::optional<double> opt_real(std::size_t i) const;
  std::optional<std::string> opt_text(std::size_t i) const;

 private:
  std::vector<Value> values_;
};

// Renders a value as an SQL literal (for dry-run output and messages, never for execution).
std::string to_sql_literal(const Value& v);

}  // namespace safemig::db
