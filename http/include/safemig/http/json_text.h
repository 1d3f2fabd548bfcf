// JSON text of a boost::json::value as the services write it: compact like
// boost::json::serialize, but with floating-point numbers in the shortest plain decimal form
// that reads back to the same double ("0.2", "124.5", "800.0"; Boost.JSON writes "2E-1",
// "1.245E2", "8E2"),
// non-finite numbers as null, and strings made well-formed UTF-8 (see utf8.h) so that a value
// read from the database can never make the document invalid.
//
// Thread safety: pure function.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace safemig::http {

std::string json_text(const boost::json::value& value);

}  // namespace safemig::http
