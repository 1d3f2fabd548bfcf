// WriterLock: the single-writer rule for a SQLite database file.
//
// Exactly one process writes a database at a time. The lock is an exclusive flock on a
// descriptor of the database file itself, so it is keyed on the file (its inode), not on the
// path that names it: a symlink, a hardlink, a relative path from another working directory all
// reach the same lock, and nothing a person deletes beside the database releases it. A database
// file that does not exist yet is created empty to be locked (an empty file is a valid empty
// SQLite database); if it is still empty at release, it is removed again, so a command that
// failed leaves nothing behind.
//
// `<realpath of the db>.writer.lock` only describes the holder ("pid 123 (safemig migrate)") for
// people and for a second writer's refusal; it is written after the lock is taken and removed at
// release. Who holds the lock is read from /proc/locks (flock holders by pid and device:inode),
// so the refusal names the holder's pid even when that file was deleted or the database was
// reached through another name; its command comes from the description file when that file
// names the same pid, else from /proc/<pid>/cmdline.
//
// Readers (the metrics server, read-only connections) never take the lock.
//
// CONTRACT (POSIX locks): SQLite locks the database with fcntl locks, and closing *any*
// descriptor of a file releases every fcntl lock the process holds on it. The lock's
// descriptor is closed by its destructor (and by move-assignment over a held lock), by
// acquire() when it fails, and by settle_replacement() for the replaced file. So:
//   - acquire() before this process opens a SQLite connection to the database;
//   - destroy the WriterLock only after every SQLite connection of this process to that file is
//     closed (declare it before the connection, as SafeMigrationManager and the proxy's
//     DatabaseGuard do, so that it is destroyed after it);
//   - replace the database file (restore) only with no connection open, through
//     lock_replacement() and settle_replacement() (backup::RestoreOptions::writer_lock).
//
// flock locks belong to the open file description: two WriterLocks in one process exclude each
// other, and a forked child that keeps the descriptor keeps the lock.
//
// Thread safety: a WriterLock is owned by one thread; the lock itself is process-wide.
// current_holder() is reentrant.
#pragma once

#include <string>

#include "safemig/error.h"

namespace safemig::db {

class WriterLock {
 public:
  // What acquire() does when there is no file at the database path.
  enum class IfMissing {
    create,  // Create it empty (removed again at release if still empty): a writer that may
             // create the database (migrate, restore).
    fail,    // not_found: a writer that only works on an existing database.
  };

  // Takes the lock of the database file at `db_path` without waiting. `command` describes the
  // holder ("safemig migrate", "metrics-proxy").
  // Errors: locked, naming the holder's pid (and command when known), when another writer
  // holds it; not_found when the file does not exist and `if_missing` is fail; invalid_input
  // when `db_path` names something other than a regular file; io when the file cannot be
  // opened or created, or the description file cannot be written; busy when the file was
  // replaced under it repeatedly. A description left by a killed process is overwritten (the
  // kernel released its lock).
  static Result<WriterLock> acquire(const std::string& db_path, const std::string& command,
                                    IfMissing if_missing = IfMissing::create);

  // The holder of the lock of the database file at `db_path` ("pid 123 (safemig migrate)"), by
  // whatever name it took it; empty when nobody holds it or the file does not exist. Takes no
  // lock and opens nothing that a writer could be refused by.
  static std::string current_holder(const std::string& db_path);

  // True when this process holds the lock of the database file at `db_path` (whichever
  // WriterLock, by whatever name): what replaces the file must then go through that lock.
  static bool held_by_this_process(const std::string& db_path);

  // The holder's description file: `<realpath of db_path>.writer.lock` (`<db_path>.writer.lock`
  // while the database does not exist).
  static std::string lock_path(const std::string& db_path);

  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&& other) noexcept;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock();

  // The database path as given to acquire().
  const std::string& path() const { return path_; }

  // For a restore that renames `replacement` over the database: locks `replacement` too, so
  // that whichever file the database path names, before or after the rename, this lock holds
  // it and no other writer can get in between. Call before anything is changed, then rename,
  // then settle_replacement() whether the rename succeeded or not.
  // Errors: io when `replacement` cannot be opened; locked when another process locks it;
  // failed_precondition when a replacement is already pending.
  Result<void> lock_replacement(const std::string& replacement);

  // After the rename (or its failure): keeps the descriptor of the file the database path now
  // names and closes the other. REQUIRES: no SQLite connection of this process has the file that
  // is let go open (see CONTRACT). Errors: aborted when the path names neither file (another
  // process replaced the database meanwhile); the lock then keeps the original file.
  Result<void> settle_replacement();

 private:
  WriterLock(int fd, std::string path, std::string absolute, std::string description, bool created)
      : fd_(fd),
        path_(std::move(path)),
        absolute_(std::move(absolute)),
        description_(std::move(description)),
        created_(created) {}
  static Result<WriterLock> try_acquire(const std::string& db_path, const std::string& command,
                                        IfMissing if_missing);
  void release();

  int fd_ = -1;          // Locked descriptor of the database file.
  int pending_fd_ = -1;  // Locked descriptor of a replacement not yet settled.
  std::string path_;
  std::string absolute_;     // path_ made absolute at acquire(): immune to a later chdir.
  std::string description_;  // The holder's description file.
  bool created_ = false;     // acquire() created the (empty) database file.
};

}  // namespace safemig::db
