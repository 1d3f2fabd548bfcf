// Recorder (see recorder.h): the public face over the queue, the spill journal, the counters and
// the writer thread.
//
// Thread safety: submit() and stats() touch only the queue, the journal and the atomics, each
// safe from any thread; thread_ and stop_result are guarded by stop_mutex; thread_result is
// written by the writer thread and read after joining it.
#include "safemig/proxy/recorder.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "record_queue.h"
#include "recorder_counters.h"
#include "safemig/log_gate.h"
#include "spill_journal.h"
#include "writer_loop.h"

namespace safemig::proxy {

struct Recorder::State {
  explicit State(RecorderOptions o)
      : options(std::move(o)),
        queue(options.queue_capacity, options.max_batch_rows),
        journal(options.spill_path),
        earlier_journals(open_earlier(options)),
        loop(options, queue, journal, earlier_journals, counters) {}

  static std::vector<std::unique_ptr<internal::SpillJournal>> open_earlier(
      const RecorderOptions& o) {
    std::vector<std::unique_ptr<internal::SpillJournal>> journals;
    for (const std::string& path : o.earlier_spill_paths) {
      if (path != o.spill_path) journals.push_back(std::make_unique<internal::SpillJournal>(path));
    }
    return journals;
  }

  const RecorderOptions options;
  internal::RecorderCounters counters;
  internal::RecordQueue queue;
  internal::SpillJournal journal;
  std::vector<std::unique_ptr<internal::SpillJournal>> earlier_journals;
  internal::WriterLoop loop;
  LogGate overflow_log;
  LogGate drop_log;

  std::mutex stop_mutex;
  std::thread thread;                       // Guarded by stop_mutex.
  std::optional<Result<void>> stop_result;  // Guarded by stop_mutex; set once stopped.
  Result<void> thread_result;               // Written by the thread; read after join().
};

namespace {

Result<void> validate(const RecorderOptions& o) {
  if (!o.connect) return fail(ErrorCode::invalid_input, "recorder needs a connection factory");
  if (o.spill_path.empty()) {
    return fail(ErrorCode::invalid_input, "recorder needs a spill journal path");
  }
  if (o.queue_capacity == 0 || o.max_batch_rows == 0) {
    return fail(ErrorCode::invalid_input,
                "recorder queue_capacity and max_batch_rows must be at least 1");
  }
  if (o.max_batch_delay.count() < 0) {
    return fail(ErrorCode::invalid_input, "recorder max_batch_delay must not be negative");
  }
  if (o.lock_wait.count() <= 0) {
    return fail(ErrorCode::invalid_input, "recorder lock_wait must be positive");
  }
  if (o.retry_backoff_min.count() <= 0 || o.retry_backoff_max < o.retry_backoff_min) {
    return fail(ErrorCode::invalid_input,
                "recorder retry backoff needs 0 < retry_backoff_min <= retry_backoff_max");
  }
  return {};
}

}  // namespace

std::string Recorder::default_spill_path(const std::string& db_path) {
  return db_path + ".recorder-spill";
}

Recorder::Recorder(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<Recorder>> Recorder::start(RecorderOptions options) {
  SAFEMIG_TRY_VOID(validate(options));
  auto state = std::make_unique<State>(std::move(options));
  for (const auto& earlier : state->earlier_journals) {
    if (earlier->pending()) {
      spdlog::info(
          "recorder: found spill journal '{}' at an earlier location; it is replayed once the "
          "database is available",
          earlier->path());
    }
  }
  if (state->journal.pending()) {
    spdlog::info(
        "recorder: found spill journal '{}' from an earlier run; it is replayed once the "
        "database is available",
        state->journal.path());
  }
  State* s = state.get();
  try {
    s->thread = std::thread([s] { s->thread_result = s->loop.run(); });
  } catch (const std::system_error& e) {
    return fail(ErrorCode::internal,
                std::string("cannot start the recorder's writer thread: ") + e.what());
  }
  return std::unique_ptr<Recorder>(new Recorder(std::move(state)));
}

Recorder::~Recorder() {
  auto stopped = flush_and_stop(kDefaultStopWait);
  if (!stopped) spdlog::error("recorder: {}", stopped.error().describe());
}

bool Recorder::submit(dao::CompletionRequest record) {
  State& s = *state_;
  std::uint64_t suppressed = 0;
  switch (s.queue.push(std::move(record))) {
    case internal::RecordQueue::PushResult::queued:
      internal::RecorderCounters::add(s.counters.rows_submitted, 1);
      return true;
    case internal::RecordQueue::PushResult::closed:
      internal::RecorderCounters::add(s.counters.rows_dropped, 1);
      if (s.drop_log.allow(suppressed)) {
        spdlog::error(
            "recorder: dropped a record submitted after shutdown began ({} similar "
            "messages suppressed)",
            suppressed);
      }
      return false;
    case internal::RecordQueue::PushResult::full:
      break;
  }
  auto spilled = s.journal.append(std::span<const dao::CompletionRequest>(&record, 1),
                                  internal::Durability::deferred);
  if (spilled) {
    internal::RecorderCounters::add(s.counters.rows_submitted, 1);
    internal::RecorderCounters::add(s.counters.rows_spilled, 1);
    if (s.overflow_log.allow(suppressed)) {
      spdlog::warn(
          "recorder: queue full ({} records); spilling to '{}' ({} similar messages "
          "suppressed)",
          s.queue.capacity(), s.journal.path(), suppressed);
    }
    return true;
  }
  internal::RecorderCounters::add(s.counters.rows_dropped, 1);
  internal::RecorderCounters::add(s.counters.write_errors, 1);
  if (s.drop_log.allow(suppressed)) {
    spdlog::error(
        "recorder: dropped a record: the queue is full and the spill journal failed: "
        "{} ({} similar messages suppressed)",
        spilled.error().describe(), suppressed);
  }
  return false;
}

Result<void> Recorder::flush_and_stop(std::chrono::milliseconds max_wait) {
  State& s = *state_;
  std::lock_guard lock(s.stop_mutex);
  if (s.stop_result) return *s.stop_result;
  s.loop.set_stop_deadline(std::chrono::steady_clock::now() + max_wait);
  s.queue.close();
  if (s.thread.joinable()) s.thread.join();
  s.stop_result = s.thread_result;
  return *s.stop_result;
}

RecorderStats Recorder::stats() const {
  const State& s = *state_;
  return s.counters.snapshot(s.queue.size(), s.queue.capacity());
}

}  // namespace safemig::proxy
