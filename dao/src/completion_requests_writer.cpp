// CompletionRequestsWriter: inserts completion requests and keeps the rollups current in the
// same transaction (see completion_requests_writer.h).
//
// Thread safety: one thread at a time, like the Connection it uses.
#include "safemig/dao/completion_requests_writer.h"

#include <algorithm>
#include <span>
#include <vector>

#include "batch_rollup.h"
#include "record_codec.h"
#include "rollup_upsert.h"
#include "safemig/dao/text_bounds.h"
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
  params_.reserve(internal::kInsertParamCount * internal::kMaxRowsPerInsert);
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
  // Records with a text field over its bound (rare) are written as bounded copies, which the
  // rollups then key on too.
  std::vector<CompletionRequest> bounded;
  if (std::any_of(records.begin(), records.end(), exceeds_text_bounds)) {
    bounded.assign(records.begin(), records.end());
    for (CompletionRequest& r : bounded) apply_text_bounds(r);
    records = bounded;
  }
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
  // Up to kMaxRowsPerInsert rows per statement; a statement never spans a pause, so that each
  // pause still comes after exactly a multiple of pause_every_rows_ rows.
  std::size_t i = 0;
  while (i < records.size()) {
    if (pause_every_rows_ != 0 && i != 0 && i % pause_every_rows_ == 0) pause_();
    std::size_t rows = std::min(internal::kMaxRowsPerInsert, records.size() - i);
    if (pause_every_rows_ != 0) rows = std::min(rows, pause_every_rows_ - i % pause_every_rows_);
    for (std::size_t k = 0; k < rows; ++k) {
      internal::bind_record(records[i + k], params_, k * internal::kInsertParamCount);
    }
    SAFEMIG_TRY_VOID(connection_->execute_params(
        internal::insert_sql(rows),
        std::span<const db::Value>(params_.data(), rows * internal::kInsertParamCount)));
    // The statement's last row: the one insert() wrote when it was given one record.
    last_id_ = connection_->last_insert_id();
    for (std::size_t k = 0; k < rows; ++k) rollup.add(records[i + k]);
    i += rows;
  }
  rollup.finish();
  return internal::upsert_rollups(*connection_, rollup, scratch_->params);
}

}  // namespace safemig::dao
