// WriterLoop: the body of the recorder's one writer thread (see recorder.h for the behaviour).
//
// Each turn takes a batch from the queue and keeps it — commits it, or appends what the
// database did not take to the spill journal — then replays one chunk of the journal if the
// database is available, and makes deferred journal appends durable. After the queue is closed
// and drained it goes on replaying while the database is available and the stop deadline allows,
// so a clean shutdown leaves no journal behind unless the database is down. A failed database is
// dropped and reopened through the factory after an exponential backoff.
//
// Thread safety: run() on one thread; set_stop_deadline() from another thread before it closes
// the queue. Everything else is the writer thread's own state.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backoff.h"
#include "batch_writer.h"
#include "journal_reader.h"
#include "record_queue.h"
#include "recorder_counters.h"
#include "safemig/log_gate.h"
#include "safemig/proxy/recorder.h"
#include "spill_journal.h"

namespace safemig::proxy::internal {

class WriterLoop {
 public:
  // The references must outlive the loop.
  WriterLoop(const RecorderOptions& options, RecordQueue& queue, SpillJournal& journal,
             RecorderCounters& counters);

  // Runs until the queue is closed and drained. On return every record taken from the queue is
  // in the database or the journal, or counted as dropped. Errors: data_loss with the number of
  // records neither written nor spilled; io when the journal could not be made durable.
  Result<void> run();

  // After the queue is closed, records are written to the database only until `deadline`;
  // after it they go straight to the journal. REQUIRES: called before the queue is closed.
  void set_stop_deadline(SteadyTime deadline);

 private:
  SteadyTime next_wake() const;
  bool replay_wanted() const;
  // At stop: the database is up and the journal can be replayed before the deadline.
  bool can_replay_now() const;
  bool past_stop_deadline() const;

  void keep(std::span<dao::CompletionRequest> batch);
  // Returns the records the database did not handle (all of them when it failed at once).
  std::span<dao::CompletionRequest> write_to_database(std::span<dao::CompletionRequest> records,
                                                      bool replay);
  void connect_if_due();
  void mark_unavailable(const Error& error, const char* during);

  void replay_step();
  bool load_replay_chunk();
  void journal_failed(const Error& error, const char* during);
  void sync_deferred();
  void drop(std::size_t count, const Error& why);

  const RecorderOptions& options_;
  RecordQueue& queue_;
  SpillJournal& journal_;
  RecorderCounters& counters_;

  std::atomic<std::int64_t> stop_deadline_ns_{INT64_MAX};  // steady_clock; see set_stop_deadline.

  std::unique_ptr<BatchWriter> db_;  // Null while the database is unavailable.
  Backoff db_backoff_;
  SteadyTime retry_at_{};     // Earliest next attempt to open the database.
  bool had_failure_ = false;  // For logging the recovery once.
  Backoff journal_backoff_;
  SteadyTime replay_retry_at_{};           // Earliest next replay after a journal file error.
  std::unique_ptr<JournalReader> replay_;  // The replay file being read.
  std::vector<dao::CompletionRequest> replay_chunk_;  // Read from it, not yet handled.
  std::uint64_t lost_ = 0;                            // Records neither written nor spilled.

  LogGate db_log_;
  LogGate journal_log_;
  LogGate invalid_log_;
};

}  // namespace safemig::proxy::internal
