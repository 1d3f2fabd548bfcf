// BatchWriter: one open database connection and the DAO writer on it, committing batches of
// records and isolating the records the database refuses.
//
// A batch is committed in one transaction. When the database refuses it for one of its records
// (invalid_input, or a constraint), the batch is split in halves and each half retried, down to
// single records. A single record whose request_id is already stored is, when replaying the
// spill journal, one that was committed before (a COMMIT that reported failure yet succeeded):
// it is skipped. Written for the first time, it is a new request whose upstream reused an id:
// it is kept under the id with a unique suffix ("<id>~<16 hex>"), renamed in place so that a
// later spill of the batch keeps the new id. Any other refused record is dropped as invalid. The
// records are handled in order, so when the database itself fails (anything else: busy, I/O,
// read-only, a missing table, ...) the records from `processed` on are exactly those not yet
// handled.
//
// Thread safety: one thread at a time (the writer thread), like its Connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>

#include "safemig/dao/completion_request.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::proxy::internal {

// What a stored request_id means for a record being written.
enum class DuplicatePolicy {
  rename,  // First write of a live record: the upstream reused an id; keep it renamed.
  skip,    // Replay of the spill journal: the record was already committed.
};

struct BatchOutcome {
  std::size_t written = 0;              // Committed (renamed ones included).
  std::size_t renamed = 0;              // Written under a suffixed request_id.
  std::size_t duplicates = 0;           // Skipped: request_id already stored (replay).
  std::size_t invalid = 0;              // Refused by the database; dropped.
  std::size_t processed = 0;            // Records [0, processed) are handled (written or counted).
  std::size_t transactions = 0;         // Commits made.
  std::optional<Error> database_error;  // Set when the database failed at record `processed`.
};

// Called for each record dropped as invalid, with the database's reason.
using InvalidRecordSink = std::function<void(const dao::CompletionRequest&, const Error&)>;

class BatchWriter {
 public:
  // Adopts `connection` (writable, schema at the latest version) and bounds its wait for another
  // connection's lock to `lock_wait`. Inside each transaction the thread yields the CPU after
  // every `yield_every_rows` rows (0: never). Errors: as CompletionRequestsWriter::create
  // (read_only); the database's error when the lock wait cannot be set.
  static Result<std::unique_ptr<BatchWriter>> create(
      std::unique_ptr<db::Connection> connection, InvalidRecordSink on_invalid,
      std::size_t yield_every_rows = 0,
      std::chrono::milliseconds lock_wait = std::chrono::milliseconds(25));

  // Writes `records` as described above. Never returns a record error; see BatchOutcome.
  // Records renamed under DuplicatePolicy::rename are changed in `records`.
  BatchOutcome write(std::span<dao::CompletionRequest> records, DuplicatePolicy duplicates);

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
  bool write_range(std::span<dao::CompletionRequest> all, std::size_t begin, std::size_t end,
                   DuplicatePolicy duplicates, BatchOutcome& outcome);
  // Writes `record` under a fresh suffixed request_id. Returns the insert's result.
  Result<void> write_renamed(dao::CompletionRequest& record);

  std::unique_ptr<db::Connection> connection_;  // Outlives writer_, which points into it.
  dao::CompletionRequestsWriter writer_;
  InvalidRecordSink on_invalid_;
  std::mt19937_64 suffixes_{std::random_device{}()};
};

}  // namespace safemig::proxy::internal
