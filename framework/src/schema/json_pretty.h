// Pretty printing of Boost.JSON values for files a person reviews. Private to the schema
// library.
//
// Objects and arrays are written one member per line with two-space indentation, except
// records inside arrays whose members are all scalars or lists of scalars, and short lists of
// scalars, which stay on one line. Member order is the object's insertion order.
//
// Thread safety: pure function.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace safemig::schema::detail {

// `value` as indented JSON text, without a trailing newline.
std::string pretty_json(const boost::json::value& value);

}  // namespace safemig::schema::detail
