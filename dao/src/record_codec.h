// Mapping between CompletionRequest and the columns of `completion_requests` (internal to dao).
//
// Thread safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/value.h"
#include "safemig/error.h"

namespace safemig::dao::internal {

// Every column, in the order record_from_row() reads them (id first).
inline constexpr std::string_view kRecordColumns =
    "id, timestamp_ms, request_id, success, status_code, response_time_ms, model, origin, "
    "upstream, is_streaming, max_tokens, temperature, top_p, message_count, prompt_tokens, "
    "completion_tokens, total_tokens, finish_reason, error_type, error_message, "
    "time_to_first_token_ms, time_to_last_token_ms, tokens_per_second, endpoint";

// Number of values bind_record() writes (every column but id).
inline constexpr std::size_t kInsertParamCount = 23;

// Rows one INSERT statement carries at most. SQLite's work per statement (starting it, halting
// it, resetting it) is then paid once for up to this many rows; 16 × 23 parameters stay far
// below SQLite's limit on parameters per statement.
inline constexpr std::size_t kMaxRowsPerInsert = 16;

// The INSERT statement of `rows` rows, whose parameters bind_record() fills, row after row.
// REQUIRES: 1 <= rows <= kMaxRowsPerInsert.
std::string_view insert_sql(std::size_t rows);

// Builds a record from a row selected with kRecordColumns.
CompletionRequest record_from_row(const db::Row& row);

// Writes the record's column values into params[offset .. offset + kInsertParamCount) (grown
// if needed), reusing the storage already there.
void bind_record(const CompletionRequest& record, std::vector<db::Value>& params,
                 std::size_t offset);

// invalid_input naming the field when the record breaks a rule of the schema (empty request_id,
// model or endpoint, negative tokens or times).
Result<void> validate_record(const CompletionRequest& record);

}  // namespace safemig::dao::internal
