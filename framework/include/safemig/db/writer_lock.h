// WriterLock: the single-writer rule for a SQLite database file.
//
// Exactly one process writes a database at a time. It holds an exclusive flock on
// `<db>.writer.lock` for as long as it may write, with its pid and command written inside so a
// second writer can be told who holds it. Readers never take it. flock locks belong to the open
// file description, so two WriterLocks in one process also exclude each other.
//
// Thread safety: a WriterLock is owned by one thread; the lock itself is process-wide.
#pragma once

#include <string>

#include "safemig/error.h"

namespace safemig::db {

class WriterLock {
 public:
  // Takes the lock for `db_path` without waiting. `command` describes the holder ("safemig
  // migrate", "metrics-proxy"). On contention: ErrorCode::locked with a message naming the
  // holder's pid and command. A lock file left by a dead process is taken over silently (the
  // kernel released its flock).
  static Result<WriterLock> acquire(const std::string& db_path, const std::string& command);

  // Reads the holder recorded in the lock file ("pid 123 (safemig migrate)") if the lock is
  // currently held by someone; empty when it is free. The lock file exists only while a writer runs
  // (or after one was killed, when it is stale and free to take).
  static std::string current_holder(const std::string& db_path);

  static std::string lock_path(const std::string& db_path) { return db_path + ".writer.lock"; }

  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&& other) noexcept;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock();

  const std::string& path() const { return path_; }

 private:
  static Result<WriterLock> try_acquire(const std::string& db_path, const std::string& command);
  WriterLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void release();
  int fd_ = -1;
  std::string path_;
};

}  // namespace safemig::db
