// BatchWriter (see batch_writer.h).
//
// Thread safety: one thread at a time.
#include "batch_writer.h"

#include <cstdio>
#include <string>
#include <thread>

namespace safemig::proxy::internal {
namespace {

// The factory's connection may wait seconds for a lock (SQLite's default busy_timeout in this
// project is 5 s); the recorder's own wait is bounded so that a locked database sends the batch
// to the journal at once instead of holding it in memory.
Result<void> bound_lock_wait(db::Connection& connection, std::chrono::milliseconds wait) {
  const std::string ms = std::to_string(wait.count());
  switch (connection.dialect()) {
    case db::Dialect::sqlite:
      return connection.execute("PRAGMA busy_timeout = " + ms);
    case db::Dialect::postgresql:
      return connection.execute("SET lock_timeout = '" + ms + "ms'");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<BatchWriter>> BatchWriter::create(std::unique_ptr<db::Connection> connection,
                                                         InvalidRecordSink on_invalid,
                                                         std::size_t yield_every_rows,
                                                         std::chrono::milliseconds lock_wait) {
  SAFEMIG_TRY_VOID(bound_lock_wait(*connection, lock_wait));
  SAFEMIG_TRY(auto writer, dao::CompletionRequestsWriter::create(*connection));
  writer.set_pause(yield_every_rows, [] { std::this_thread::yield(); });
  return std::unique_ptr<BatchWriter>(
      new BatchWriter(std::move(connection), std::move(writer), std::move(on_invalid)));
}

bool BatchWriter::is_record_error(const Error& error) {
  return error.code == ErrorCode::invalid_input || error.code == ErrorCode::constraint;
}

bool BatchWriter::is_duplicate_request_id(const Error& error) {
  return error.code == ErrorCode::constraint && error.message.find("UNIQUE") != std::string::npos &&
         error.message.find("request_id") != std::string::npos;
}

BatchOutcome BatchWriter::write(std::span<dao::CompletionRequest> records,
                                DuplicatePolicy duplicates) {
  BatchOutcome outcome;
  write_range(records, 0, records.size(), duplicates, outcome);
  return outcome;
}

Result<void> BatchWriter::write_renamed(dao::CompletionRequest& record) {
  const std::string original = record.request_id;
  Result<void> result;
  // A 64-bit random suffix collides with a stored id essentially never; a few tries bound it.
  for (int attempt = 0; attempt < 4; ++attempt) {
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "~%016llx", static_cast<unsigned long long>(suffixes_()));
    record.request_id = original + suffix;
    result = writer_.insert_batch(std::span<const dao::CompletionRequest>(&record, 1));
    if (result || !is_duplicate_request_id(result.error())) return result;
  }
  return result;
}

bool BatchWriter::write_range(std::span<dao::CompletionRequest> all, std::size_t begin,
                              std::size_t end, DuplicatePolicy duplicates, BatchOutcome& outcome) {
  if (begin == end) return true;
  auto result = writer_.insert_batch(all.subspan(begin, end - begin));
  if (result) {
    outcome.written += end - begin;
    outcome.processed = end;
    ++outcome.transactions;
    return true;
  }
  if (!is_record_error(result.error())) {
    outcome.database_error = std::move(result).error();
    return false;
  }
  if (end - begin > 1) {
    const std::size_t middle = begin + (end - begin) / 2;
    return write_range(all, begin, middle, duplicates, outcome) &&
           write_range(all, middle, end, duplicates, outcome);
  }
  if (is_duplicate_request_id(result.error()) && duplicates == DuplicatePolicy::rename) {
    result = write_renamed(all[begin]);
    if (result) {
      ++outcome.written;
      ++outcome.renamed;
      ++outcome.transactions;
      outcome.processed = end;
      return true;
    }
    if (!is_record_error(result.error())) {
      outcome.database_error = std::move(result).error();
      return false;
    }
  }
  if (is_duplicate_request_id(result.error())) {
    ++outcome.duplicates;
  } else {
    ++outcome.invalid;
    if (on_invalid_) on_invalid_(all[begin], result.error());
  }
  outcome.processed = end;
  return true;
}

}  // namespace safemig::proxy::internal
