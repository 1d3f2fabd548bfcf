// CompletionRequestsWriter: inserts completion requests and keeps the rollups current in the
// same transaction (see completion_requests_writer.h).
//
// Thread safety: one thread at a time, like the Connection it uses.
#include "safemig/dao/completion_requests_writer.h"

#include "record_codec.h"
#include "rollup_aggregate.h"
#include "rollup_upsert.h"
#include "safemig/db/transaction.h"

namespace safemig::dao {
namespace {

internal::RollupRequest rollup_request(const CompletionRequest& r) {
  internal::RollupRequest q;
  q.model = r.model;
  q.is_streaming = r.is_streaming;
  q.input.success = r.success;
  q.input.response_time_ms = r.response_time_ms;
  q.input.prompt_tokens = r.prompt_tokens;
  q.input.completion_tokens = r.completion_tokens;
  q.input.total_tokens = r.total_tokens;
  q.input.time_to_first_token_ms = r.time_to_first_token_ms;
  q.input.time_to_last_token_ms = r.time_to_last_token_ms;
  q.status_code = r.status_code;
  if (r.finish_reason) q.finish_reason = *r.finish_reason;
  if (r.error_type) q.error_type = *r.error_type;
  return q;
}

}  // namespace

CompletionRequestsWriter::CompletionRequestsWriter(db::Connection& connection)
    : connection_(&connection) {
  params_.reserve(internal::kInsertParamCount);
}

Result<CompletionRequestsWriter> CompletionRequestsWriter::create(db::Connection& connection) {
  if (connection.read_only()) {
    return fail(ErrorCode::read_only, "cannot write completion requests to " +
                                          connection.location() +
                                          ": the connection was opened read-only");
  }
  return CompletionRequestsWriter(connection);
}

Result<std::int64_t> CompletionRequestsWriter::insert(const CompletionRequest& record) {
  SAFEMIG_TRY_VOID(write_all(std::span<const CompletionRequest>(&record, 1)));
  return last_id_;
}

Result<void> CompletionRequestsWriter::insert_batch(std::span<const CompletionRequest> records) {
  if (records.empty()) return {};
  return write_all(records);
}

Result<void> CompletionRequestsWriter::write_all(std::span<const CompletionRequest> records) {
  for (const CompletionRequest& r : records) SAFEMIG_TRY_VOID(internal::validate_record(r));
  if (connection_->in_transaction()) {
    SAFEMIG_TRY(auto savepoint, db::Savepoint::begin(*connection_, "safemig_dao_insert"));
    SAFEMIG_TRY_VOID(write_rows(records));
    return savepoint.release();
  }
  SAFEMIG_TRY(auto transaction,
              db::Transaction::begin(*connection_, db::TransactionMode::immediate));
  SAFEMIG_TRY_VOID(write_rows(records));
  return transaction.commit();
}

Result<void> CompletionRequestsWriter::write_rows(std::span<const CompletionRequest> records) {
  internal::RollupAggregate minutes;
  internal::RollupAggregate hours;
  const std::string_view sql = internal::insert_sql();
  for (const CompletionRequest& r : records) {
    internal::bind_record(r, params_);
    SAFEMIG_TRY_VOID(connection_->execute_params(sql, params_));
    last_id_ = connection_->last_insert_id();
    internal::RollupRequest q = rollup_request(r);
    const std::int64_t t = to_epoch_ms(r.timestamp);
    q.bucket_ms = floor_to(t, kMinuteMs);
    minutes.add(q);
    q.bucket_ms = floor_to(t, kHourMs);
    hours.add(q);
  }
  SAFEMIG_TRY_VOID(internal::upsert_rollups(*connection_, internal::RollupTable::minute, minutes,
                                            upsert_params_));
  return internal::upsert_rollups(*connection_, internal::RollupTable::hour, hours, upsert_params_);
}

}  // namespace safemig::dao
