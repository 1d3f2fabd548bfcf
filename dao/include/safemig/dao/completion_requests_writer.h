// CompletionRequestsWriter: the only write path to `completion_requests`.
//
// Every insert also keeps the rollup tables current in the same transaction: a batch is
// aggregated in memory per minute, hour, day, model and streaming flag and upserted once per key
// (INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x). A text field over its byte bound is
// cut before the row and the rollups are written (text_bounds.h).
//
// Thread safety: one thread at a time, like the Connection it uses. The process must hold the
// database's single-writer lock (db/writer_lock.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::dao {
namespace internal {
struct WriterScratch;
}

class CompletionRequestsWriter {
 public:
  // `connection` must be writable and outlive the writer; the schema must be at v5.
  // Errors: read_only when the connection refuses writes.
  static Result<CompletionRequestsWriter> create(db::Connection& connection);

  CompletionRequestsWriter(CompletionRequestsWriter&&) noexcept;
  CompletionRequestsWriter& operator=(CompletionRequestsWriter&&) noexcept;
  ~CompletionRequestsWriter();

  // Inserts one record and its rollups in one transaction. On success returns the new row id.
  // Errors: invalid_input for a record the schema would refuse (empty request_id or model,
  // negative tokens or times); constraint for a duplicate request_id; database errors as the
  // connection reports them. On failure nothing is written.
  Result<std::int64_t> insert(const CompletionRequest& record);

  // Inserts all records and their rollups in ONE transaction (BEGIN IMMEDIATE; a savepoint when
  // the connection is already in a transaction). Errors as insert(); on failure none of the
  // records is written. An empty batch writes nothing.
  Result<void> insert_batch(std::span<const CompletionRequest> records);

  // Calls `pause` after every `every_rows` rows of a batch (not after its last row), inside the
  // batch's transaction; `every_rows` 0 or an empty `pause` turns it off (the default). The
  // recorder passes std::this_thread::yield: a batch of a few hundred rows is one run of several
  // milliseconds, and on a machine with few cores a request thread woken on the same core would
  // otherwise wait for the whole run. The batch stays one transaction.
  void set_pause(std::size_t every_rows, std::function<void()> pause);

 private:
  explicit CompletionRequestsWriter(db::Connection& connection);
  // Validates, then writes inside a transaction (or a savepoint of the caller's).
  Result<void> write_all(std::span<const CompletionRequest> records);
  // Inserts the rows and upserts their rollups. REQUIRES: a write transaction is open.
  Result<void> write_rows(std::span<const CompletionRequest> records);

  db::Connection* connection_;
  std::int64_t last_id_ = 0;  // Row id of the most recent insert.
  std::size_t pause_every_rows_ = 0;
  std::function<void()> pause_;
  std::vector<db::Value> params_;  // Reused across rows to avoid per-row allocations.
  // The batch's rollup aggregate and upsert parameters, reused across batches.
  std::unique_ptr<internal::WriterScratch> scratch_;
};

}  // namespace safemig::dao
