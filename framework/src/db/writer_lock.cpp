// Implements safemig/db/writer_lock.h; the design, the POSIX-lock contract and the thread-safety
// rule are stated there.
#include "safemig/db/writer_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace safemig::db {
namespace {

constexpr std::size_t kMaxCommandBytes = 200;

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// True when `path` names the file open at `fd`.
bool names_file(const std::string& path, int fd) {
  struct stat by_fd {};
  struct stat by_path {};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
         same_file(by_fd, by_path);
}

std::string absolute_path(const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

std::string description_path_of(const std::string& db_path) {
  std::string base = db_path;
  if (char* real = ::realpath(db_path.c_str(), nullptr); real != nullptr) {
    base = real;
    std::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath allocates with malloc.
  }
  return base + ".writer.lock";
}

std::string first_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  return line;
}

// The pid a description line "pid 123 (command)" names; 0 when it names none.
pid_t described_pid(const std::string& line) {
  long pid = 0;
  if (std::sscanf(line.c_str(), "pid %ld (", &pid) != 1 || pid <= 0 || pid > INT_MAX) return 0;
  return static_cast<pid_t>(pid);
}

// The command line of a running process, arguments separated by spaces; empty when unknown.
std::string command_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text) {
    if (c == '\0' || c == '\n') c = ' ';
  }
  if (text.size() > kMaxCommandBytes) text = text.substr(0, kMaxCommandBytes) + "...";
  return text;
}

struct FlockHolders {
  bool readable = false;     // /proc/locks could be read.
  std::optional<pid_t> pid;  // A process holding a flock on the file; 0 when not visible.
};

// The holder of a flock on the file `st`, from /proc/locks. Lines look like
//   "1: FLOCK  ADVISORY  WRITE 4687 fe:00:10953110 0 EOF"   (major:minor in hex, inode decimal)
// and "1: -> FLOCK ..." for a waiter, which holds nothing. An exclusive holder is preferred.
FlockHolders flock_holders(const struct stat& st) {
  FlockHolders out;
  std::ifstream in("/proc/locks");
  if (!in) return out;
  out.readable = true;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id;
    std::string type;
    std::string mode;
    std::string access;
    long pid = 0;
    std::string device;
    fields >> id >> type;
    if (type == "->") continue;
    if (!(fields >> mode >> access >> pid >> device) || type != "FLOCK") continue;
    unsigned major_id = 0;
    unsigned minor_id = 0;
    unsigned long long inode = 0;
    if (std::sscanf(device.c_str(), "%x:%x:%llu", &major_id, &minor_id, &inode) != 3) continue;
    if (major_id != major(st.st_dev) || minor_id != minor(st.st_dev) ||
        inode != static_cast<unsigned long long>(st.st_ino)) {
      continue;
    }
    if (!out.pid || access == "WRITE") out.pid = static_cast<pid_t>(pid > 0 ? pid : 0);
  }
  return out;
}

// "pid 123 (safemig migrate)": the pid from /proc/locks, the command from the description file
// when it names the same pid, else from /proc/<pid>/cmdline.
std::string describe_holder(std::optional<pid_t> pid, const std::string& description_path) {
  const std::string described = first_line(description_path);
  if (pid && *pid > 0) {
    if (described_pid(described) == *pid) return described;
    const std::string command = command_of(*pid);
    return "pid " + std::to_string(*pid) + (command.empty() ? "" : " (" + command + ")");
  }
  if (described_pid(described) > 0) return described;
  return "another process";
}

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

Error io_error(const std::string& what, const std::string& path, int err, const std::string& hint) {
  return Error(ErrorCode::io, what + " '" + path + "': " + std::strerror(err) + "; " + hint)
      .with_file(path);
}

Result<void> write_description(const std::string& path, const std::string& command) {
  const std::string text = "pid " + std::to_string(::getpid()) + " (" + command + ")\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(io_error("cannot write the writer lock's description", path, errno,
                         "make the database's directory writable, or remove what is in the way"));
  }
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    (void)::unlink(path.c_str());
    return fail(io_error("cannot write the writer lock's description", path,
                         written < 0 ? err : ENOSPC, "free space on its file system"));
  }
  return {};
}

}  // namespace

std::string WriterLock::lock_path(const std::string& db_path) {
  return description_path_of(db_path);
}

Result<WriterLock> WriterLock::acquire(const std::string& db_path, const std::string& command,
                                       IfMissing if_missing) {
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto lock = try_acquire(db_path, command, if_missing);
    if (lock || lock.error().code != ErrorCode::aborted) return lock;
  }
  return fail(Error(ErrorCode::busy, "the database file '" + db_path +
                                         "' was replaced repeatedly while taking its writer "
                                         "lock; try again once no restore or cleanup runs")
                  .with_file(db_path));
}

Result<WriterLock> WriterLock::try_acquire(const std::string& db_path, const std::string& command,
                                           IfMissing if_missing) {
  const std::string absolute = absolute_path(db_path);
  bool created = false;
  int fd = ::open(absolute.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && if_missing == IfMissing::fail) {
    return fail(Error(ErrorCode::not_found,
                      "database '" + db_path +
                          "' does not exist; check the path or create it by running the "
                          "migrations (safemig migrate)")
                    .with_file(db_path));
  }
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(absolute.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      created = true;
    } else if (errno == EEXIST) {
      struct stat link {};
      struct stat target {};
      if (::lstat(absolute.c_str(), &link) == 0 && S_ISLNK(link.st_mode) &&
          ::stat(absolute.c_str(), &target) != 0) {
        return fail(Error(ErrorCode::invalid_input,
                          "'" + db_path +
                              "' is a symbolic link to a file that does not exist; fix the link "
                              "or pass the database's own path")
                        .with_file(db_path));
      }
      return fail(ErrorCode::aborted, "the database file appeared while creating it");
    }
  }
  if (fd < 0) {
    return fail(io_error("cannot open or create the database file", db_path, errno,
                         "check that its directory exists and is writable"));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(Error(ErrorCode::invalid_input,
                      "'" + db_path +
                          "' is not a regular file, so it cannot be a SQLite database; pass the "
                          "database file's path")
                    .with_file(db_path));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    // Closing drops this process's fcntl locks on the file: acquire() runs before any SQLite
    // connection of this process opens it (see the header's CONTRACT).
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return fail(io_error("cannot lock the database file", db_path, err,
                           "check that its file system supports flock"));
    }
    const FlockHolders holders = flock_holders(st);
    const std::string real = description_path_of(absolute);
    const std::string holder = describe_holder(holders.pid, real);
    const std::string file = real.substr(0, real.size() - std::strlen(".writer.lock"));
    return fail(Error(ErrorCode::locked,
                      "database '" + db_path + "'" + (file == absolute ? "" : " (" + file + ")") +
                          " is being written by " + holder +
                          "; only one writer may run at a time: wait for it to finish or stop it")
                    .with_file(db_path));
  }
  // A lock taken on a file that no longer is the database (a restore renamed another over it, a
  // releasing holder removed the empty one it created) excludes nobody: retake it on the new one.
  if (!names_file(absolute, fd)) {
    ::close(fd);
    return fail(ErrorCode::aborted, "the database file was replaced while locking it");
  }
  WriterLock lock(fd, db_path, absolute, description_path_of(absolute), created);
  if (auto written = write_description(lock.description_, command); !written) {
    lock.description_.clear();  // Not ours to remove at release.
    return fail(written.error());
  }
  return lock;
}

std::string WriterLock::current_holder(const std::string& db_path) {
  struct stat st {};
  if (::stat(db_path.c_str(), &st) != 0) return {};
  const std::string description = description_path_of(db_path);
  const FlockHolders holders = flock_holders(st);
  if (holders.readable) return holders.pid ? describe_holder(holders.pid, description) : "";
  // Without /proc/locks only the description tells; it is trusted while its process lives.
  const std::string described = first_line(description);
  return alive(described_pid(described)) ? described : "";
}

bool WriterLock::held_by_this_process(const std::string& db_path) {
  struct stat st {};
  if (::stat(db_path.c_str(), &st) != 0) return false;
  const FlockHolders holders = flock_holders(st);
  return holders.pid && *holders.pid == ::getpid();
}

Result<void> WriterLock::lock_replacement(const std::string& replacement) {
  if (fd_ < 0 || pending_fd_ >= 0) {
    return fail(ErrorCode::failed_precondition,
                fd_ < 0 ? "the writer lock is not held, so it cannot cover a replacement"
                        : "a replacement of the database is already pending; settle it first");
  }
  const int fd = ::open(replacement.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(io_error("cannot open the replacement database", replacement, errno,
                         "check that it was written and is readable"));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    struct stat st {};
    const bool known = ::fstat(fd, &st) == 0;
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return fail(io_error("cannot lock the replacement database", replacement, err,
                           "check that its file system supports flock"));
    }
    const std::string holder =
        known ? describe_holder(flock_holders(st).pid, replacement + ".writer.lock") : "";
    return fail(Error(ErrorCode::locked, "the replacement database '" + replacement +
                                             "' is locked by " +
                                             (holder.empty() ? "another process" : holder) +
                                             "; stop it before restoring")
                    .with_file(replacement));
  }
  pending_fd_ = fd;
  return {};
}

Result<void> WriterLock::settle_replacement() {
  if (pending_fd_ < 0) return {};
  const int pending = std::exchange(pending_fd_, -1);
  if (names_file(absolute_, pending)) {
    // The replacement is the database now: the replaced file is let go. No fcntl lock of this
    // process on it is lost that matters, as no connection has it open (REQUIRES).
    ::close(fd_);
    fd_ = pending;
    created_ = false;
    return {};
  }
  ::close(pending);
  if (names_file(absolute_, fd_)) return {};
  return fail(Error(ErrorCode::aborted,
                    "the database file '" + path_ +
                        "' was replaced by another process during the restore; check what else "
                        "writes to it, then restore again")
                  .with_file(path_));
}

WriterLock::WriterLock(WriterLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      pending_fd_(std::exchange(other.pending_fd_, -1)),
      path_(std::move(other.path_)),
      absolute_(std::move(other.absolute_)),
      description_(std::move(other.description_)),
      created_(std::exchange(other.created_, false)) {}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    pending_fd_ = std::exchange(other.pending_fd_, -1);
    path_ = std::move(other.path_);
    absolute_ = std::move(other.absolute_);
    description_ = std::move(other.description_);
    created_ = std::exchange(other.created_, false);
  }
  return *this;
}

WriterLock::~WriterLock() { release(); }

void WriterLock::release() {
  if (fd_ < 0) return;
  if (pending_fd_ >= 0) ::close(std::exchange(pending_fd_, -1));
  // Both removals happen while the lock is still held, so no other writer's files are removed.
  if (!description_.empty() && described_pid(first_line(description_)) == ::getpid()) {
    (void)::unlink(description_.c_str());
  }
  struct stat st {};
  if (created_ && ::fstat(fd_, &st) == 0 && st.st_size == 0 && names_file(absolute_, fd_)) {
    (void)::unlink(absolute_.c_str());
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace safemig::db
