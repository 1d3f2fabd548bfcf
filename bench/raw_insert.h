// The anchor of the insert benchmarks: the writer's INSERT (dao/src/record_codec.cpp), column
// for column, bound with the raw SQLite C API.
#pragma once

#include <sqlite3.h>

#include "safemig/dao/completion_request.h"

namespace safemig::bench {

inline constexpr const char* kInsertSql =
    "INSERT INTO completion_requests(timestamp_ms,request_id,success,status_code,"
    "response_time_ms,model,origin,upstream,is_streaming,max_tokens,temperature,top_p,"
    "message_count,prompt_tokens,completion_tokens,total_tokens,finish_reason,error_type,"
    "error_message,time_to_first_token_ms,time_to_last_token_ms,tokens_per_second)VALUES(?,?,?,?,"
    "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

// Binds every column of `record` to `stmt`, a statement prepared from kInsertSql. Strings are
// bound SQLITE_STATIC: `record` must outlive the statement's next step.
void bind_record(sqlite3_stmt* stmt, const dao::CompletionRequest& record);

}  // namespace safemig::bench
