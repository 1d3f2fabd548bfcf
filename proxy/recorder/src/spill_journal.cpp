// SpillJournal (see spill_journal.h): an O_APPEND file written with one write() per append and
// fdatasync for durability.
//
// Thread safety: fd_ is guarded by mutex_; needs_sync_ and pending_ are atomics.
#include "spill_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>

#include "file_ops.h"
#include "record_json.h"
#include "replay_progress.h"

namespace safemig::proxy::internal {

SpillJournal::SpillJournal(std::string path) : path_(std::move(path)) {
  pending_.store(non_empty_file(path_) || non_empty_file(replay_path()));
}

SpillJournal::~SpillJournal() {
  std::lock_guard lock(mutex_);
  close_locked();
}

Result<void> SpillJournal::open_locked() {
  if (fd_ >= 0) return {};
  const bool existed = ::access(path_.c_str(), F_OK) == 0;
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return fail(os_error("cannot open spill journal", path_));
  if (!existed) return sync_parent_directory(path_);
  return end_torn_line_locked();
}

// A process killed in the middle of a write(2) can leave a journal whose last line has no end:
// the next append would be glued to it and both lost to the replay. Ending it keeps the new line
// whole; the torn one stays a line of its own, counted as unreadable when replayed.
Result<void> SpillJournal::end_torn_line_locked() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return fail(os_error("cannot stat spill journal", path_));
  if (st.st_size == 0) return {};
  char last = 0;
  if (::pread(fd_, &last, 1, st.st_size - 1) != 1) {
    return fail(os_error("cannot read the end of spill journal", path_));
  }
  if (last == '\n') return {};
  return write_all(fd_, "\n", path_);
}

void SpillJournal::close_locked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void> SpillJournal::append(std::span<const dao::CompletionRequest> records,
                                  Durability durability) {
  if (records.empty()) return {};
  std::string lines;
  try {
    lines.reserve(records.size() * 512);
    for (const dao::CompletionRequest& r : records) append_record_line(r, lines);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, std::string("cannot encode spill journal lines: ") + e.what());
  }
  std::unique_lock lock(mutex_);
  SAFEMIG_TRY_VOID(open_locked());
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (before < 0) return fail(os_error("cannot seek spill journal", path_));
  auto written = write_all(fd_, lines, path_);
  if (!written) {
    // Leave no partial line behind: the next append must start on a line of its own.
    if (::ftruncate(fd_, before) != 0) close_locked();
    return written;
  }
  pending_.store(true, std::memory_order_relaxed);
  needs_sync_.store(true, std::memory_order_relaxed);
  if (durability == Durability::deferred) return {};
  lock.unlock();
  return sync();
}

// fdatasync runs on a duplicate of the descriptor, outside mutex_: a request thread's overflow
// append never waits for the disk, and close_locked() cannot pull the descriptor away mid-sync.
// needs_sync_ is cleared before the sync starts, so an append racing with it marks the journal
// unsynced again and the next sync() covers it.
Result<void> SpillJournal::sync() {
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0 || !needs_sync_.exchange(false, std::memory_order_relaxed)) return {};
    fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      needs_sync_.store(true, std::memory_order_relaxed);
      return fail(os_error("cannot sync spill journal", path_));
    }
  }
  const int synced = ::fdatasync(fd);
  const int sync_errno = errno;
  ::close(fd);
  if (synced != 0) {
    needs_sync_.store(true, std::memory_order_relaxed);
    errno = sync_errno;
    return fail(os_error("cannot sync spill journal", path_));
  }
  return {};
}

Result<void> SpillJournal::sync_locked() {
  if (fd_ < 0) return {};
  if (::fdatasync(fd_) != 0) return fail(os_error("cannot sync spill journal", path_));
  needs_sync_.store(false, std::memory_order_relaxed);
  return {};
}

Result<bool> SpillJournal::take_for_replay() {
  std::lock_guard lock(mutex_);
  const std::string replay = replay_path();
  if (::access(replay.c_str(), F_OK) == 0) return true;
  if (!non_empty_file(path_)) {
    pending_.store(false, std::memory_order_relaxed);
    return false;
  }
  SAFEMIG_TRY_VOID(sync_locked());
  close_locked();
  // A progress file without its replay file is stale; it must not apply to the new one.
  SAFEMIG_TRY_VOID(remove_replay_progress(replay));
  if (std::rename(path_.c_str(), replay.c_str()) != 0) {
    return fail(os_error("cannot move spill journal aside for replay", path_));
  }
  SAFEMIG_TRY_VOID(sync_parent_directory(path_));
  return true;
}

Result<void> SpillJournal::finish_replay() {
  std::lock_guard lock(mutex_);
  const std::string replay = replay_path();
  // The progress goes first: a progress file left without its replay file could be taken for
  // the next one's.
  SAFEMIG_TRY_VOID(remove_replay_progress(replay));
  if (::unlink(replay.c_str()) != 0 && errno != ENOENT) {
    return fail(os_error("cannot remove replayed spill journal", replay));
  }
  pending_.store(non_empty_file(path_), std::memory_order_relaxed);
  return sync_parent_directory(path_);
}

}  // namespace safemig::proxy::internal
