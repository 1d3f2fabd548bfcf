// Small readers of optional members of Boost.JSON objects, shared by the proxy's body parsers.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace safemig::proxy::json_fields {

// The member `key` of `object` when it is an object; nullptr otherwise.
inline const boost::json::object* object_at(const boost::json::object& object,
                                            std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

// The member `key` as an integer (a non-negative integral double is accepted).
inline std::optional<std::int64_t> int_at(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = v->if_int64()) return *i;
  if (const auto* u = v->if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(*u);
    return std::nullopt;
  }
  if (const auto* d = v->if_double()) {
    if (*d >= 0 && *d < 9.0e18 && *d == static_cast<double>(static_cast<std::int64_t>(*d))) {
      return static_cast<std::int64_t>(*d);
    }
  }
  return std::nullopt;
}

// The member `key` as a number.
inline std::optional<double> number_at(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* d = v->if_double()) return *d;
  if (const auto* i = v->if_int64()) return static_cast<double>(*i);
  if (const auto* u = v->if_uint64()) return static_cast<double>(*u);
  return std::nullopt;
}

// The member `key` as a string.
inline std::optional<std::string> string_at(const boost::json::object& object,
                                            std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = v->if_string()) return std::string(s->data(), s->size());
  return std::nullopt;
}

// The member `key` as a boolean.
inline std::optional<bool> bool_at(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* b = v->if_bool()) return *b;
  return std::nullopt;
}

}  // namespace safemig::proxy::json_fields
