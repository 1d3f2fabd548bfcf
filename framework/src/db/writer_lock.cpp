#include "safemig/db/writer_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace safemig::db {
namespace {

std::string read_holder(int fd) {
  char buf[512];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "an unknown process";
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text.empty() ? "an unknown process" : text;
}

// True when `fd` is still the file at `path`: a releasing holder unlinks the file, so a lock
// taken on an unlinked inode excludes nobody and must be retaken on the new file.
bool still_linked(int fd, const std::string& path) {
  struct stat by_fd {};
  struct stat by_path {};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
         by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

}  // namespace

Result<WriterLock> WriterLock::acquire(const std::string& db_path, const std::string& command) {
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto lock = try_acquire(db_path, command);
    if (lock || lock.error().code != ErrorCode::aborted) return lock;
  }
  return fail(ErrorCode::busy, "the writer lock of '" + db_path +
                                   "' changed hands repeatedly while taking it; try again");
}

Result<WriterLock> WriterLock::try_acquire(const std::string& db_path, const std::string& command) {
  const std::string path = lock_path(db_path);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(Error(ErrorCode::io, "cannot create the writer lock file '" + path +
                                         "': " + std::strerror(errno) +
                                         "; check that the database directory is writable")
                    .with_file(path));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder = read_holder(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(Error(ErrorCode::locked,
                        "database '" + db_path + "' is being written by " + holder +
                            "; only one writer may run at a time: wait for it to finish or "
                            "stop it")
                      .with_file(path));
    }
    return fail(
        Error(ErrorCode::io, "cannot lock '" + path + "': " + std::strerror(err)).with_file(path));
  }
  if (!still_linked(fd, path)) {
    ::close(fd);
    return fail(ErrorCode::aborted, "the lock file was replaced while locking it");
  }
  const std::string holder = "pid " + std::to_string(::getpid()) + " (" + command + ")\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, holder.data(), holder.size(), 0) != static_cast<ssize_t>(holder.size())) {
    const int err = errno;
    ::close(fd);
    return fail(Error(ErrorCode::io,
                      "cannot write the writer lock file '" + path + "': " + std::strerror(err))
                    .with_file(path));
  }
  return WriterLock(fd, path);
}

std::string WriterLock::current_holder(const std::string& db_path) {
  const std::string path = lock_path(db_path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    holder = read_holder(fd);
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return holder;
}

WriterLock::WriterLock(WriterLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

WriterLock::~WriterLock() { release(); }

void WriterLock::release() {
  if (fd_ < 0) return;
  // Unlink while still holding the lock: a process that opened the old file before this and then
  // locks it sees it unlinked (still_linked) and retries on a fresh file.
  (void)::unlink(path_.c_str());
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace safemig::db
