// BatchWriter: one open database connection and the DAO writer on it, committing batches of
// records and isolating the records the database refuses.
//
// A batch is committed in one transaction. When the database refuses it for one of its records
// (invalid_input, or a constraint), the batch is split in halves and each half retried, down to
// single records: a single record whose request_id is already stored is skipped as a duplicate;
// any other refused record is dropped as invalid. The records are handled in order, so when the
// database itself fails (anything else: busy, I/O, read-only, a missing table, ...) the records
// from `processed` on are exactly those not yet handled.
//
// Thread safety: one thread at a time (the writer thread), like its Connection.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "safemig/dao/completion_request.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::proxy::internal {

struct BatchOutcome {
  std::size_t written = 0;              // Committed.
  std::size_t duplicates = 0;           // Skipped: request_id already stored.
  std::size_t invalid = 0;              // Refused by the database; dropped.
  std::size_t processed = 0;            // Records [0, processed) are handled (written or counted).
  std::size_t transactions = 0;         // Commits made.
  std::optional<Error> database_error;  // Set when the database failed at record `processed`.
};

// Called for each record dropped as invalid, with the database's reason.
using InvalidRecordSink = std::function<void(const dao::CompletionRequest&, const Error&)>;

class BatchWriter {
 public:
  // Adopts `connection` (writable, schema at the latest version). Errors: as
  // CompletionRequestsWriter::create (read_only).
  static Result<std::unique_ptr<BatchWriter>> create(std::unique_ptr<db::Connection> connection,
                                                     InvalidRecordSink on_invalid);

  // Writes `records` as described above. Never returns a record error; see BatchOutcome.
  BatchOutcome write(std::span<const dao::CompletionRequest> records);

  // True for errors that concern a record (the batch may be split), false for errors of the
  // database (the batch must be kept and retried later).
  static bool is_record_error(const Error& error);
  // True for a constraint error on a duplicate request_id.
  static bool is_duplicate_request_id(const Error& error);

 private:
  BatchWriter(std::unique_ptr<db::Connection> connection, dao::CompletionRequestsWriter writer,
              InvalidRecordSink on_invalid)
      : connection_(std::move(connection)),
        writer_(std::move(writer)),
        on_invalid_(std::move(on_invalid)) {}

  // Writes records [begin, end) of `all`, splitting on record errors. Returns false when the
  // database failed (outcome.database_error is set).
  bool write_range(std::span<const dao::CompletionRequest> all, std::size_t begin, std::size_t end,
                   BatchOutcome& outcome);

  std::unique_ptr<db::Connection> connection_;  // Outlives writer_, which points into it.
  dao::CompletionRequestsWriter writer_;
  InvalidRecordSink on_invalid_;
};

}  // namespace safemig::proxy::internal
