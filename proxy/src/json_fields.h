// Parsing of the bodies the proxy reads, and small readers of optional members of Boost.JSON
// objects, shared by the proxy's body parsers.
//
// Thread safety: pure functions; a ScratchJson belongs to one thread.
#pragma once

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace safemig::proxy::json_fields {

// Parses one JSON text into memory it owns: the first kInlineBytes come from the object itself
// (a stack variable, in practice), and only bodies past that touch the heap. Every request and
// response the proxy records is parsed once, so this keeps allocation off the per-request path;
// values are released together when the ScratchJson goes, without walking them.
class ScratchJson {
 public:
  static constexpr std::size_t kInlineBytes = 8 * 1024;

  ScratchJson() : value_(boost::json::storage_ptr(&memory_)) {}
  ScratchJson(const ScratchJson&) = delete;
  ScratchJson& operator=(const ScratchJson&) = delete;

  // The parsed text when it is a JSON object; nullptr otherwise (not JSON, or another type).
  // Valid until the next parse() or the end of this ScratchJson.
  boost::json::object* parse_object(std::string_view text) {
    boost::system::error_code ec;
    value_ = boost::json::parse(text, ec, &memory_);
    if (ec) return nullptr;
    return value_.if_object();
  }

 private:
  alignas(std::max_align_t) std::array<unsigned char, kInlineBytes> inline_{};
  boost::json::monotonic_resource memory_{inline_.data(), inline_.size()};
  boost::json::value value_;
};

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
