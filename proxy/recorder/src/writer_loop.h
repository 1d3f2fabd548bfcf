// WriterLoop: the body of the recorder's one writer thread (see recorder.h for the behaviour).
//
// Each turn takes a batch from the queue and keeps it — commits it, or appends what the
// database did not take to the spill journal — then replays one chunk of a journal if the
// database is available, and makes deferred journal appends durable. Journals left at earlier
// locations are replayed before the current one; after each committed replay chunk the replay's
// position is saved (replay_progress.h) so that a restarted process resumes there. After the queue
// is closed and drained it tries the database once more and goes on replaying while it is available
// and the stop deadline allows, so a clean shutdown leaves no journal behind unless the database is
// down. A failed database is dropped and reopened through the factory after an exponential backoff.
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
  // The references must outlive the loop. `earlier` are the journals of
  // options.earlier_spill_paths (replayed, never appended to).
  WriterLoop(const RecorderOptions& options, RecordQueue& queue, SpillJournal& journal,
             std::vector<std::unique_ptr<SpillJournal>>& earlier, RecorderCounters& counters);

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
  // Once the queue is closed and drained: one attempt to reach the database before the retry
  // backoff allows, so that a database that recovered moments before the stop takes the journal.
  void connect_once_at_stop();
  void mark_unavailable(const Error& error, const char* during);

  void replay_step();
  bool load_replay_chunk();
  // Opens the replay file of the first journal with something to replay, at its saved progress.
  bool open_replay();
  void save_replay_progress(std::size_t committed);
  void database_recovered();
  void journal_failed(const Error& error, const char* during);
  void sync_deferred();
  void drop(std::size_t count, const Error& why);

  const RecorderOptions& options_;
  RecordQueue& queue_;
  SpillJournal& journal_;
  std::vector<SpillJournal*> replay_sources_;  // Earlier journals first, then journal_.
  RecorderCounters& counters_;

  std::atomic<std::int64_t> stop_deadline_ns_{INT64_MAX};  // steady_clock; see set_stop_deadline.

  std::unique_ptr<BatchWriter> db_;  // Null while the database is unavailable.
  Backoff db_backoff_;
  SteadyTime retry_at_{};       // Earliest next attempt to open the database.
  bool tried_at_stop_ = false;  // connect_once_at_stop() made its attempt.
  // Set by a database failure, cleared by the next commit (an open alone proves nothing: a
  // locked or full database opens fine); recovery is logged then.
  bool had_failure_ = false;
  Backoff journal_backoff_;
  SteadyTime replay_retry_at_{};           // Earliest next replay after a journal file error.
  SpillJournal* replay_source_ = nullptr;  // Whose replay file replay_ reads.
  std::unique_ptr<JournalReader> replay_;  // The replay file being read.
  std::vector<dao::CompletionRequest> replay_chunk_;  // Read from it, not yet handled.
  std::vector<JournalPosition> replay_chunk_ends_;    // Where each of them ends in the file.
  std::uint64_t lost_ = 0;                            // Records neither written nor spilled.

  LogGate db_log_;
  LogGate journal_log_;
  LogGate invalid_log_;
};

}  // namespace safemig::proxy::internal
