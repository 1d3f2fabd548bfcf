// SpillJournal: the append-only file that keeps records while the database cannot take them,
// or while the queue is full. One JSON line per record (record_json.h).
//
// Replay works on a second file: take_for_replay() renames the journal to "<path>.replaying"
// (unless one is left from before, which is replayed first), so appends go on into a new journal
// while the old one is read; finish_replay() removes it and its progress file (replay_progress.h).
// A crash at any point leaves every record in one of the two files; a record replayed twice is
// skipped by its request_id.
//
// Thread safety: every method may be called from any thread; file operations are serialised by
// an internal mutex (appends from submit() on overflow and from the writer thread).
#pragma once

#include <atomic>
#include <mutex>
#include <span>
#include <string>

#include "safemig/dao/completion_request.h"
#include "safemig/error.h"

namespace safemig::proxy::internal {

enum class Durability {
  sync_now,  // fdatasync before returning (the writer thread's spills).
  deferred,  // Leave it to the next sync() (a request thread's overflow).
};

class SpillJournal {
 public:
  // Does not touch the file until the first append.
  explicit SpillJournal(std::string path);
  ~SpillJournal();
  SpillJournal(const SpillJournal&) = delete;
  SpillJournal& operator=(const SpillJournal&) = delete;

  const std::string& path() const { return path_; }
  std::string replay_path() const { return path_ + ".replaying"; }

  // Appends one line per record. On success the lines are in the file (and on disk with
  // sync_now). On failure the file is cut back to its length before the call, so no partial
  // line is left; errors: io naming the file and the OS error.
  Result<void> append(std::span<const dao::CompletionRequest> records, Durability durability);

  // Makes every deferred append durable, without holding up concurrent deferred appends while
  // the disk syncs. sync() and sync_now appends come from one thread (the writer). Errors: io
  // (the journal stays marked unsynced).
  Result<void> sync();
  bool needs_sync() const { return needs_sync_.load(std::memory_order_relaxed); }

  // True when there is something to replay: a journal or a replay file not yet finished, left
  // by an earlier process or appended since the last finish_replay().
  bool pending() const { return pending_.load(std::memory_order_relaxed); }

  // Makes replay_path() the file to replay: keeps one already there, or renames the journal to
  // it. Returns false when there is nothing to replay. Errors: io.
  Result<bool> take_for_replay();

  // Removes replay_path() and its progress file after all of it was replayed. Errors: io.
  Result<void> finish_replay();

 private:
  Result<void> open_locked();           // REQUIRES: mutex_ held.
  Result<void> end_torn_line_locked();  // REQUIRES: mutex_ held, fd_ open.
  Result<void> sync_locked();           // REQUIRES: mutex_ held.
  void close_locked();                  // REQUIRES: mutex_ held.

  const std::string path_;
  std::mutex mutex_;
  int fd_ = -1;                          // Guarded by mutex_; the journal opened for appending.
  std::atomic<bool> needs_sync_{false};  // Set by appends, cleared by the syncs that cover them.
  std::atomic<bool> pending_{false};     // Written under mutex_.
};

}  // namespace safemig::proxy::internal
