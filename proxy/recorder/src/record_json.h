// The spill journal's line format: one CompletionRequest as one JSON object on one line, keyed
// by the column names of `completion_requests` (timestamp as epoch milliseconds). Absent values
// are null. Nothing but the record's fields is written (the database id is not: it is assigned
// on insert). A line without `endpoint` (written before it was recorded) is read as a chat
// completion when it has a message_count, else as a text completion.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "safemig/dao/completion_request.h"
#include "safemig/error.h"

namespace safemig::proxy::internal {

// Appends the record's line, ending in '\n', to `out`. A non-finite double (NaN, ±Inf), which
// JSON cannot hold, is written as null.
void append_record_line(const dao::CompletionRequest& record, std::string& out);

// Parses one line (without its '\n'). Errors: invalid_input saying what is wrong (not JSON, not
// an object, a missing required field, a field of the wrong type); the message never quotes the
// line's values.
Result<dao::CompletionRequest> parse_record_line(std::string_view line);

}  // namespace safemig::proxy::internal
