#include "safemig/db/value.h"

#include <charconv>
#include <cstdio>

namespace safemig::db {

Value value_of(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Value(Null{}); }
Value value_of(const std::optional<double>& v) { return v ? Value(*v) : Value(Null{}); }
Value value_of(const std::optional<std::string>& v) { return v ? Value(*v) : Value(Null{}); }

bool Row::is_null(std::size_t i) const { return std::holds_alternative<Null>(values_.at(i)); }

std::int64_t Row::int64(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

double Row::real(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) {
    double out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0.0;
}

std::string Row::text(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  if (const auto* b = std::get_if<Blob>(&v)) return std::string(b->begin(), b->end());
  return {};
}

std::optional<std::int64_t> Row::opt_int64(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return int64(i);
}

std::optional<double> Row::opt_real(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return real(i);
}

std::optional<std::string> Row::opt_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

std::string to_sql_literal(const Value& v) {
  if (std::holds_alternative<Null>(v)) return "NULL";
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::string out = "'";
    for (char c : *s) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }
  const auto& blob = std::get<Blob>(v);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "X'";
  for (std::uint8_t byte : blob) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out + "'";
}

}  // namespace safemig::db
