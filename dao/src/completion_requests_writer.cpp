// CompletionRequestsWriter: inserts completion requests and keeps the rollups current in the
// same transaction (see completion_requests_writer.h).
//
// Thread safety: one thread at a time, like the Connection it uses.
#include "safemig/dao/completion_requests_writer.h"

#include "batch_rollup.h"
#include "record_codec.h"
#include "rollup_upsert.h"
#include "safemig/db/transaction.h"

namespace safemig::dao {
namespace internal {

struct WriterScratch {
  BatchRollup rollup;
  UpsertParams params;
};

}  // namespace internal

CompletionRequestsWriter::CompletionRequestsWriter(db::Connection& connection)
    : connection_(&connection), scratch_(std::make_unique<internal::WriterScratch>()) {
  params_.reserve(internal::kInsertParamCount);
}

CompletionRequestsWriter::CompletionRequestsWriter(CompletionRequestsWriter&&) noexcept = default;
CompletionRequestsWriter& CompletionRequestsWriter::operator=(CompletionRequestsWriter&&) noexcept =
    default;
CompletionRequestsWriter::~CompletionRequestsWriter() = default;

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

void CompletionRequestsWriter::set_pause(std::size_t every_rows, std::function<void()> pause) {
  pause_every_rows_ = pause ? every_rows : 0;
  pause_ = std::move(pause);
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
  if (!scratch_) scratch_ = std::make_unique<internal::WriterScratch>();  // Moved-from writer.
  internal::BatchRollup& rollup = scratch_->rollup;
  rollup.clear();
  const std::string_view sql = internal::insert_sql();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const CompletionRequest& r = records[i];
    if (pause_every_rows_ != 0 && i != 0 && i % pause_every_rows_ == 0) pause_();
    internal::bind_record(r, params_);
    SAFEMIG_TRY_VOID(connection_->execute_params(sql, params_));
    last_id_ = connection_->last_insert_id();
    rollup.add(r);
  }
  rollup.finish();
  return internal::upsert_rollups(*connection_, rollup, scratch_->params);
}

}  // namespace safemig::dao
