// bind_record() for the raw C API anchor (see raw_insert.h).
#include "raw_insert.h"

#include <optional>
#include <string>

#include "safemig/dao/time.h"

namespace safemig::bench {
namespace {

void bind_text(sqlite3_stmt* stmt, int index, const std::string& v) {
  sqlite3_bind_text(stmt, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bind_text(sqlite3_stmt* stmt, int index, const std::optional<std::string>& v) {
  if (v) {
    bind_text(stmt, index, *v);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}
void bind_int(sqlite3_stmt* stmt, int index, const std::optional<std::int64_t>& v) {
  if (v) {
    sqlite3_bind_int64(stmt, index, *v);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}
void bind_real(sqlite3_stmt* stmt, int index, const std::optional<double>& v) {
  if (v) {
    sqlite3_bind_double(stmt, index, *v);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}

}  // namespace

void bind_record(sqlite3_stmt* stmt, const dao::CompletionRequest& record) {
  sqlite3_bind_int64(stmt, 1, dao::to_epoch_ms(record.timestamp));
  bind_text(stmt, 2, record.request_id);
  sqlite3_bind_int64(stmt, 3, record.success ? 1 : 0);
  bind_int(stmt, 4, record.status_code);
  sqlite3_bind_int64(stmt, 5, record.response_time_ms);
  bind_text(stmt, 6, record.model);
  bind_text(stmt, 7, record.origin);
  bind_text(stmt, 8, record.upstream);
  sqlite3_bind_int64(stmt, 9, record.is_streaming ? 1 : 0);
  bind_int(stmt, 10, record.max_tokens);
  bind_real(stmt, 11, record.temperature);
  bind_real(stmt, 12, record.top_p);
  bind_int(stmt, 13, record.message_count);
  bind_int(stmt, 14, record.prompt_tokens);
  bind_int(stmt, 15, record.completion_tokens);
  bind_int(stmt, 16, record.total_tokens);
  bind_text(stmt, 17, record.finish_reason);
  bind_text(stmt, 18, record.error_type);
  bind_text(stmt, 19, record.error_message);
  bind_int(stmt, 20, record.time_to_first_token_ms);
  bind_int(stmt, 21, record.time_to_last_token_ms);
  bind_real(stmt, 22, record.tokens_per_second);
}

}  // namespace safemig::bench
