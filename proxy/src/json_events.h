// Reading a JSON text as a stream of events (Boost.JSON's basic_parser), for readers that keep a
// few members of a large body and skip the rest without copying it.
//
// Thread safety: pure functions; a handler belongs to one parse.
#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace safemig::proxy::json_events {

// The events a reader of members does not need. A handler derives from this and defines the
// others: on_object_begin/end, on_array_begin/end, on_key(_part), on_string(_part), on_int64,
// on_uint64, on_double, on_bool, on_null.
struct HandlerBase {
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }
};

// Feeds `text` to a new Handler and returns handler.take(), or nullopt when `text` is not one
// valid JSON document (the rules of boost::json::parse: UTF-8 checked, no trailing bytes but
// white space).
template <class Handler>
auto read(std::string_view text) -> std::optional<decltype(std::declval<Handler&>().take())> {
  boost::json::basic_parser<Handler> parser{boost::json::parse_options{}};
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size()) return std::nullopt;
  return parser.handler().take();
}

// A count written as a double (`64.0`, `1e3`): non-negative and integral, else nullopt.
inline std::optional<std::int64_t> as_count(double d) {
  if (d >= 0 && d < 9.0e18 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

// Gathers a key or string delivered in parts (the parser splits those it unescapes).
class Text {
 public:
  void part(boost::json::string_view piece) {
    if (complete_) text_.clear();
    text_.append(piece.data(), piece.size());
    complete_ = false;
  }
  // The last piece: returns the whole text.
  const std::string& last(boost::json::string_view piece) {
    part(piece);
    complete_ = true;
    return text_;
  }
  const std::string& value() const { return text_; }

 private:
  std::string text_;
  bool complete_ = true;
};

// A handler that follows where it is: the roles of the open containers (innermost last) and the
// key of the member whose value comes next. A derived handler pushes a Role in on_object_begin
// and on_array_begin (popped here for objects; arrays pop in its own on_array_end, which sees
// the role), and may define on_key to act on the key once whole.
template <class Role>
class NestingHandler : public HandlerBase {
 public:
  bool on_object_end(std::size_t, boost::system::error_code&) {
    stack_.pop_back();
    return true;
  }
  bool on_key_part(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    key_.part(part);
    return true;
  }
  bool on_key(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    key_.last(part);
    return true;
  }

 protected:
  // Requests and responses nest a few levels deep: those stay inside the object, with no
  // allocation per parse.
  boost::container::small_vector<Role, 16> stack_;
  Text key_;
};

}  // namespace safemig::proxy::json_events
