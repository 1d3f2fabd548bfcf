// WriterLoop (see writer_loop.h).
//
// Thread safety: all members but stop_deadline_ns_ belong to the writer thread.
#include "writer_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace safemig::proxy::internal {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t to_ns(SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

WriterLoop::WriterLoop(const RecorderOptions& options, RecordQueue& queue, SpillJournal& journal,
                       std::vector<std::unique_ptr<SpillJournal>>& earlier,
                       RecorderCounters& counters)
    : options_(options),
      queue_(queue),
      journal_(journal),
      counters_(counters),
      db_backoff_(options.retry_backoff_min, options.retry_backoff_max),
      journal_backoff_(options.retry_backoff_min, options.retry_backoff_max) {
  for (const auto& e : earlier) replay_sources_.push_back(e.get());
  replay_sources_.push_back(&journal_);
}

void WriterLoop::set_stop_deadline(SteadyTime deadline) {
  stop_deadline_ns_.store(to_ns(deadline), std::memory_order_release);
}

bool WriterLoop::past_stop_deadline() const {
  return queue_.closed() &&
         to_ns(Clock::now()) >= stop_deadline_ns_.load(std::memory_order_acquire);
}

Result<void> WriterLoop::run() {
  for (;;) {
    std::vector<dao::CompletionRequest> batch =
        queue_.pop_batch(options_.max_batch_delay, next_wake());
    if (!batch.empty()) {
      keep(batch);
    } else if (queue_.closed() && queue_.size() == 0) {
      connect_once_at_stop();
      if (!can_replay_now()) break;
    }
    if (!past_stop_deadline()) replay_step();
    sync_deferred();
  }
  db_.reset();
  counters_.database_available.store(false, std::memory_order_relaxed);
  auto synced = journal_.sync();
  if (lost_ > 0) {
    return fail(ErrorCode::data_loss,
                std::to_string(lost_) +
                    " records could be neither written to the database nor spilled to '" +
                    journal_.path() +
                    "' and are lost; free space or fix permissions there, or keep the journal "
                    "on another filesystem");
  }
  return synced;
}

bool WriterLoop::replay_wanted() const {
  if (replay_ != nullptr || !replay_chunk_.empty()) return true;
  return std::any_of(replay_sources_.begin(), replay_sources_.end(),
                     [](const SpillJournal* j) { return j->pending(); });
}

bool WriterLoop::can_replay_now() const {
  return db_ != nullptr && replay_wanted() && Clock::now() >= replay_retry_at_ &&
         !past_stop_deadline();
}

SteadyTime WriterLoop::next_wake() const {
  const SteadyTime now = Clock::now();
  SteadyTime wake = now + std::chrono::hours(1);
  if (journal_.needs_sync()) wake = now + options_.max_batch_delay;
  if (replay_wanted()) {
    wake = std::min(wake, std::max(db_ ? now : retry_at_, replay_retry_at_));
  }
  return wake;
}

void WriterLoop::keep(std::span<dao::CompletionRequest> batch) {
  std::span<dao::CompletionRequest> rest = batch;
  for (;;) {
    const bool past_deadline = past_stop_deadline();
    if (!past_deadline) {
      connect_if_due();
      if (db_) rest = write_to_database(rest, /*replay=*/false);
      if (rest.empty()) return;
    }
    auto spilled = journal_.append(rest, Durability::sync_now);
    if (spilled) {
      RecorderCounters::add(counters_.rows_spilled, rest.size());
      journal_backoff_.reset();
      return;
    }
    journal_failed(spilled.error(), "spilling a batch");
    if (past_deadline) {
      drop(rest.size(), spilled.error());
      return;
    }
    const SteadyTime retry = Clock::now() + journal_backoff_.next();
    if (queue_.closed()) {
      const SteadyTime deadline{std::chrono::nanoseconds(stop_deadline_ns_.load())};
      std::this_thread::sleep_until(std::min(retry, deadline));
    } else {
      queue_.wait_closed_until(retry);
    }
  }
}

std::span<dao::CompletionRequest> WriterLoop::write_to_database(
    std::span<dao::CompletionRequest> records, bool replay) {
  const SteadyTime start = Clock::now();
  counters_.write_started(start);
  const BatchOutcome outcome =
      db_->write(records, replay ? DuplicatePolicy::skip : DuplicatePolicy::rename);
  counters_.write_ended();
  if (outcome.transactions > 0) counters_.record_batch(Clock::now() - start);
  RecorderCounters::add(replay ? counters_.rows_replayed : counters_.rows_written, outcome.written);
  RecorderCounters::add(counters_.rows_skipped_duplicate, outcome.duplicates);
  RecorderCounters::add(counters_.rows_dropped_invalid, outcome.invalid);
  if (outcome.transactions > 0) database_recovered();
  if (outcome.database_error) {
    mark_unavailable(*outcome.database_error, replay ? "replaying the journal" : "writing");
    return records.subspan(outcome.processed);
  }
  db_backoff_.reset();
  return {};
}

void WriterLoop::database_recovered() {
  counters_.database_available.store(true, std::memory_order_relaxed);
  if (!had_failure_) return;
  had_failure_ = false;
  spdlog::info("recorder: database available again (a batch committed)");
}

void WriterLoop::connect_once_at_stop() {
  if (db_ || tried_at_stop_ || !replay_wanted() || past_stop_deadline()) return;
  tried_at_stop_ = true;
  retry_at_ = Clock::now();
  connect_if_due();
}

void WriterLoop::connect_if_due() {
  if (db_ || Clock::now() < retry_at_) return;
  Result<std::unique_ptr<db::Connection>> connection =
      fail(ErrorCode::internal, "the connection factory threw");
  try {
    connection = options_.connect();
  } catch (const std::exception& e) {
    connection =
        fail(ErrorCode::internal, std::string("the connection factory threw: ") + e.what());
  }
  if (!connection) return mark_unavailable(connection.error(), "opening");
  auto writer = BatchWriter::create(
      std::move(*connection),
      [this](const dao::CompletionRequest& record, const Error& why) {
        std::uint64_t suppressed = 0;
        if (invalid_log_.allow(suppressed)) {
          spdlog::warn(
              "recorder: dropped a record the database refuses (request_id '{}'): {}"
              " ({} similar messages suppressed)",
              record.request_id, why.message, suppressed);
        }
      },
      options_.yield_every_rows, options_.lock_wait);
  if (!writer) return mark_unavailable(writer.error(), "opening");
  db_ = std::move(*writer);
  // After a failure, only a commit shows that the database takes writes again.
  if (!had_failure_) counters_.database_available.store(true, std::memory_order_relaxed);
}

void WriterLoop::mark_unavailable(const Error& error, const char* during) {
  RecorderCounters::add(counters_.write_errors, 1);
  db_.reset();
  counters_.database_available.store(false, std::memory_order_relaxed);
  had_failure_ = true;
  const std::chrono::milliseconds delay = db_backoff_.next();
  retry_at_ = Clock::now() + delay;
  std::uint64_t suppressed = 0;
  if (db_log_.allow(suppressed)) {
    spdlog::warn(
        "recorder: database unavailable while {} ({}: {}); records go to '{}' until it "
        "recovers; next attempt in {} ms ({} similar messages suppressed)",
        during, to_string(error.code), error.describe(), journal_.path(), delay.count(),
        suppressed);
  }
}

void WriterLoop::replay_step() {
  if (!replay_wanted() || Clock::now() < replay_retry_at_) return;
  connect_if_due();
  if (!db_) return;
  if (replay_chunk_.empty() && !load_replay_chunk()) return;
  const auto rest = write_to_database(replay_chunk_, /*replay=*/true);
  const std::size_t handled = replay_chunk_.size() - rest.size();
  if (handled > 0) save_replay_progress(handled);
  replay_chunk_.erase(replay_chunk_.begin(),
                      replay_chunk_.begin() + static_cast<std::ptrdiff_t>(handled));
  replay_chunk_ends_.erase(replay_chunk_ends_.begin(),
                           replay_chunk_ends_.begin() + static_cast<std::ptrdiff_t>(handled));
}

void WriterLoop::save_replay_progress(std::size_t handled) {
  auto saved = internal::save_replay_progress(replay_->path(), replay_chunk_ends_[handled - 1]);
  if (saved) return;
  // Not fatal: a restart replays from an earlier position and skips what is committed.
  RecorderCounters::add(counters_.write_errors, 1);
  std::uint64_t suppressed = 0;
  if (journal_log_.allow(suppressed)) {
    spdlog::warn(
        "recorder: cannot save the replay's progress: {}; a restart replays '{}' from further "
        "back and skips what is already committed ({} similar messages suppressed)",
        saved.error().describe(), replay_->path(), suppressed);
  }
}

bool WriterLoop::open_replay() {
  for (SpillJournal* source : replay_sources_) {
    if (!source->pending()) continue;
    auto taken = source->take_for_replay();
    if (!taken) {
      journal_failed(taken.error(), "preparing the replay");
      return false;
    }
    if (!*taken) continue;
    const std::string path = source->replay_path();
    const JournalPosition start = load_replay_progress(path);
    auto reader = JournalReader::open(path, start);
    if (!reader) {
      journal_failed(reader.error(), "opening the replay");
      return false;
    }
    replay_ = std::move(*reader);
    replay_source_ = source;
    if (start.line > 0) {
      spdlog::info(
          "recorder: resuming the replay of spill journal '{}' after line {} (saved progress)",
          path, start.line);
    } else {
      spdlog::info("recorder: replaying spill journal '{}' into the database", path);
    }
    return true;
  }
  return false;
}

bool WriterLoop::load_replay_chunk() {
  if (!replay_ && !open_replay()) return false;
  auto chunk = replay_->next(options_.max_batch_rows);
  if (!chunk) {
    // Reopened later at the saved progress; what was committed since is skipped as duplicate.
    replay_.reset();
    journal_failed(chunk.error(), "reading the replay");
    return false;
  }
  if (chunk->unreadable > 0) {
    RecorderCounters::add(counters_.rows_dropped, chunk->unreadable);
    spdlog::error("recorder: dropped {} unreadable line(s) of spill journal '{}' (first: {})",
                  chunk->unreadable, replay_->path(), chunk->first_problem);
  }
  if (chunk->records.empty()) {
    const std::string path = replay_->path();
    const std::uint64_t lines = replay_->line_number();
    replay_.reset();
    auto finished = replay_source_->finish_replay();
    if (!finished) {
      journal_failed(finished.error(), "removing the replayed journal");
      return false;
    }
    spdlog::info("recorder: replayed spill journal '{}' ({} lines)", path, lines);
    journal_backoff_.reset();
    return false;
  }
  replay_chunk_ = std::move(chunk->records);
  replay_chunk_ends_ = std::move(chunk->ends);
  return true;
}

void WriterLoop::journal_failed(const Error& error, const char* during) {
  RecorderCounters::add(counters_.write_errors, 1);
  replay_retry_at_ = Clock::now() + journal_backoff_.next();
  std::uint64_t suppressed = 0;
  if (journal_log_.allow(suppressed)) {
    spdlog::error("recorder: spill journal failed while {}: {} ({} similar messages suppressed)",
                  during, error.describe(), suppressed);
  }
}

void WriterLoop::sync_deferred() {
  if (!journal_.needs_sync()) return;
  auto synced = journal_.sync();
  if (!synced) journal_failed(synced.error(), "syncing");
}

void WriterLoop::drop(std::size_t count, const Error& why) {
  lost_ += count;
  RecorderCounters::add(counters_.rows_dropped, count);
  spdlog::error(
      "recorder: dropped {} records at shutdown: the database and the spill journal "
      "both failed ({})",
      count, why.describe());
}

}  // namespace safemig::proxy::internal
