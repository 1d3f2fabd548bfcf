// Mapping between CompletionRequest and the columns of `completion_requests` (see
// record_codec.h).
//
// Thread safety: pure functions.
#include "record_codec.h"

#include <array>
#include <span>
#include <string>

namespace safemig::dao::internal {
namespace {

void set(db::Value& slot, std::int64_t v) { slot = v; }
void set(db::Value& slot, double v) { slot = v; }
void set(db::Value& slot, bool v) { slot = static_cast<std::int64_t>(v ? 1 : 0); }
void set(db::Value& slot, const std::string& v) {
  if (auto* s = std::get_if<std::string>(&slot)) {
    s->assign(v);
  } else {
    slot = v;
  }
}
template <typename T>
void set(db::Value& slot, const std::optional<T>& v) {
  if (v) {
    set(slot, *v);
  } else {
    slot = db::Null{};
  }
}

Result<void> non_negative(const char* field, const std::optional<std::int64_t>& v) {
  if (v && *v < 0) {
    return fail(ErrorCode::invalid_input, std::string("completion request ") + field +
                                              " must not be negative, got " + std::to_string(*v));
  }
  return {};
}

bool negative(const std::optional<std::int64_t>& v) { return v.has_value() && *v < 0; }

}  // namespace

std::string_view insert_sql(std::size_t rows) {
  // Compact text (no blanks after commas): the connection looks the statement up by its text on
  // every statement.
  static const std::array<std::string, kMaxRowsPerInsert> statements = [] {
    std::string columns;
    for (const char c : kRecordColumns.substr(kRecordColumns.find(',') + 2)) {
      if (c != ' ') columns += c;
    }
    std::string row = "(";
    for (std::size_t i = 0; i < kInsertParamCount; ++i) row += i == 0 ? "?" : ",?";
    row += ")";
    std::array<std::string, kMaxRowsPerInsert> all;
    std::string s = "INSERT INTO completion_requests(" + columns + ")VALUES" + row;
    for (std::string& statement : all) {
      statement = s;
      s += "," + row;
    }
    return all;
  }();
  return statements[rows - 1];
}

CompletionRequest record_from_row(const db::Row& row) {
  CompletionRequest r;
  r.id = row.int64(0);
  r.timestamp = from_epoch_ms(row.int64(1));
  r.request_id = row.text(2);
  r.success = row.int64(3) != 0;
  r.status_code = row.opt_int64(4);
  r.response_time_ms = row.int64(5);
  r.model = row.text(6);
  r.origin = row.opt_text(7);
  r.upstream = row.opt_text(8);
  r.is_streaming = row.int64(9) != 0;
  r.max_tokens = row.opt_int64(10);
  r.temperature = row.opt_real(11);
  r.top_p = row.opt_real(12);
  r.message_count = row.opt_int64(13);
  r.prompt_tokens = row.opt_int64(14);
  r.completion_tokens = row.opt_int64(15);
  r.total_tokens = row.opt_int64(16);
  r.finish_reason = row.opt_text(17);
  r.error_type = row.opt_text(18);
  r.error_message = row.opt_text(19);
  r.time_to_first_token_ms = row.opt_int64(20);
  r.time_to_last_token_ms = row.opt_int64(21);
  r.tokens_per_second = row.opt_real(22);
  r.endpoint = row.text(23);
  return r;
}

void bind_record(const CompletionRequest& r, std::vector<db::Value>& params, std::size_t offset) {
  if (params.size() < offset + kInsertParamCount) params.resize(offset + kInsertParamCount);
  const std::span<db::Value> p(params.data() + offset, kInsertParamCount);
  set(p[0], to_epoch_ms(r.timestamp));
  set(p[1], r.request_id);
  set(p[2], r.success);
  set(p[3], r.status_code);
  set(p[4], r.response_time_ms);
  set(p[5], r.model);
  set(p[6], r.origin);
  set(p[7], r.upstream);
  set(p[8], r.is_streaming);
  set(p[9], r.max_tokens);
  set(p[10], r.temperature);
  set(p[11], r.top_p);
  set(p[12], r.message_count);
  set(p[13], r.prompt_tokens);
  set(p[14], r.completion_tokens);
  set(p[15], r.total_tokens);
  set(p[16], r.finish_reason);
  set(p[17], r.error_type);
  set(p[18], r.error_message);
  set(p[19], r.time_to_first_token_ms);
  set(p[20], r.time_to_last_token_ms);
  set(p[21], r.tokens_per_second);
  set(p[22], r.endpoint);
}

namespace {

// True when validate_record() would find nothing: the writer's per-row fast path, which builds
// no Result per field.
bool plainly_valid(const CompletionRequest& r) {
  return !r.request_id.empty() && !r.model.empty() && !r.endpoint.empty() &&
         to_epoch_ms(r.timestamp) >= 0 && r.response_time_ms >= 0 && !negative(r.max_tokens) &&
         !negative(r.message_count) && !negative(r.prompt_tokens) &&
         !negative(r.completion_tokens) && !negative(r.total_tokens) &&
         !negative(r.time_to_first_token_ms) && !negative(r.time_to_last_token_ms) &&
         !(r.tokens_per_second.has_value() && *r.tokens_per_second < 0);
}

}  // namespace

Result<void> validate_record(const CompletionRequest& r) {
  if (plainly_valid(r)) return {};
  if (r.request_id.empty()) {
    return fail(ErrorCode::invalid_input, "completion request needs a non-empty request_id");
  }
  if (r.model.empty()) {
    return fail(ErrorCode::invalid_input,
                "completion request needs a non-empty model (\"unknown\" when none was named)");
  }
  if (r.endpoint.empty()) {
    return fail(ErrorCode::invalid_input,
                "completion request needs a non-empty endpoint (the API path below /v1/, such as "
                "\"chat/completions\")");
  }
  if (to_epoch_ms(r.timestamp) < 0) {
    return fail(ErrorCode::invalid_input, "completion request timestamp is before 1970");
  }
  SAFEMIG_TRY_VOID(non_negative("response_time_ms", r.response_time_ms));
  SAFEMIG_TRY_VOID(non_negative("max_tokens", r.max_tokens));
  SAFEMIG_TRY_VOID(non_negative("message_count", r.message_count));
  SAFEMIG_TRY_VOID(non_negative("prompt_tokens", r.prompt_tokens));
  SAFEMIG_TRY_VOID(non_negative("completion_tokens", r.completion_tokens));
  SAFEMIG_TRY_VOID(non_negative("total_tokens", r.total_tokens));
  SAFEMIG_TRY_VOID(non_negative("time_to_first_token_ms", r.time_to_first_token_ms));
  SAFEMIG_TRY_VOID(non_negative("time_to_last_token_ms", r.time_to_last_token_ms));
  if (r.tokens_per_second && *r.tokens_per_second < 0) {
    return fail(ErrorCode::invalid_input,
                "completion request tokens_per_second must not be negative");
  }
  return {};
}

}  // namespace safemig::dao::internal
