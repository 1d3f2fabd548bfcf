// Reads the recorded facts of a completion response object (a whole body or a stream chunk).
//
// Thread safety: pure function.
#pragma once

#include <boost/json/object.hpp>

#include "safemig/proxy/completion_json.h"

namespace safemig::proxy {

// id, usage, the first finish_reason among `choices` and `error` of `object`.
ResponseSummary summarize_response_object(const boost::json::object& object);

}  // namespace safemig::proxy
