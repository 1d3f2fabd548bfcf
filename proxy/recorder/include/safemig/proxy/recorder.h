// Recorder: how the proxy stores completion requests without ever waiting for the database on
// the request path (DESIGN.md, "The recorder").
//
// submit() puts a finished request into a bounded in-memory queue. One writer thread takes
// batches from it (up to max_batch_rows, or what arrived within max_batch_delay) and commits each
// in one transaction through dao::CompletionRequestsWriter. When the database fails (busy, I/O,
// cannot be opened, ...) the batch is appended to the spill journal — an append-only JSON Lines
// file holding exactly the fields of the table — and the database is retried with exponential
// backoff; on recovery the journal is replayed in order, skipping records already committed, and
// removed. A journal left by an earlier process is replayed the same way after start, resuming
// where an earlier replay stopped (replay progress is saved after each committed chunk). A write
// waits at most lock_wait for a database locked by another connection, so a batch reaches the
// journal (write(2), in the kernel: it survives a kill -9) within max_batch_delay + lock_wait of
// its first record's submit() whatever the database's state, unless the journal fails too. A record
// the database refuses as invalid is isolated by bisecting its batch and counted; its batch-mates
// are written. When the queue is full, submit() appends the record to the journal itself.
//
// The process must hold the database's single-writer lock (db/writer_lock.h) while a Recorder
// runs: its thread is then the only writer of the database file.
//
// Thread safety: submit() and stats() may be called from any thread at any time;
// flush_and_stop() from one thread (it is idempotent). One Recorder per process and database.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"
#include "safemig/proxy/recorder_stats.h"

namespace safemig::proxy {

// Opens a new writable connection to the database (called on the writer thread at start and on
// every retry after a failure).
using ConnectionFactory = std::function<Result<std::unique_ptr<db::Connection>>()>;

struct RecorderOptions {
  ConnectionFactory connect;  // Required.
  // Spill journal file; see default_spill_path(). Required. A sibling "<path>.replaying" holds a
  // journal while it is being replayed.
  std::string spill_path;
  // Journals an earlier configuration left elsewhere (the default location beside the database
  // when spill_path is in a --spill-dir): replayed like spill_path's, never appended to.
  std::vector<std::string> earlier_spill_paths;
  std::size_t queue_capacity = 65536;                  // Records held in memory, > 0.
  std::size_t max_batch_rows = 512;                    // Rows per transaction, > 0.
  std::chrono::milliseconds max_batch_delay{50};       // Longest wait to fill a batch, >= 0.
  std::chrono::milliseconds retry_backoff_min{100};    // First retry after a failure, > 0.
  std::chrono::milliseconds retry_backoff_max{10000};  // Backoff doubles up to this.
  // Longest wait for a lock another connection holds on the database before a write gives up
  // and its batch goes to the journal (SQLite busy_timeout, PostgreSQL lock_timeout on the
  // recorder's connection, whatever the factory set), > 0.
  std::chrono::milliseconds lock_wait{25};
  // Inside a batch's transaction the writer thread yields the CPU after every this many rows
  // (0: never), so that a batch, one run of milliseconds, does not hold a core that a request
  // thread was woken on (dao::CompletionRequestsWriter::set_pause).
  std::size_t yield_every_rows = 32;
};

class Recorder {
 public:
  // "<db_path>.recorder-spill".
  static std::string default_spill_path(const std::string& db_path);

  // Validates the options and starts the writer thread. The database is opened by the thread,
  // so a database that cannot be opened does not fail start(): records go to the journal until
  // it can. A journal found at spill_path is replayed once the database is available.
  // Errors: invalid_input naming a bad option; internal when the thread cannot be started.
  static Result<std::unique_ptr<Recorder>> start(RecorderOptions options);

  // Calls flush_and_stop(kDefaultStopWait) unless it was called already.
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Never waits for the database: queues the record (O(1) under a short mutex) or, when the
  // queue is full, appends it to the spill journal. Returns true when the record was kept;
  // false when it was dropped (after flush_and_stop, or the journal failed), which is counted in
  // rows_dropped and logged at most once per second.
  bool submit(dao::CompletionRequest record);

  // Stops accepting records (later submit() calls drop), writes everything queued to the
  // database for up to `max_wait` and spills the rest to the journal; while the database is
  // available and time remains it also replays the journal. Then it joins the writer
  // thread. A database call already under way when `max_wait` ends is waited for (it is bounded
  // by the connection's busy_timeout). On success every record that submit() kept is in the
  // database or in the journal. Errors: data_loss with the number of records that could be
  // neither written nor spilled. Later calls return the first call's result.
  Result<void> flush_and_stop(std::chrono::milliseconds max_wait);

  RecorderStats stats() const;

  static constexpr std::chrono::milliseconds kDefaultStopWait{5000};

 private:
  struct State;
  explicit Recorder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace safemig::proxy
