// Implements posix_file.h; the contract and the thread-safety rule are stated there.
#include "posix_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace safemig::backup::internal {

std::string errno_text(int err) {
  char buffer[256];
  // GNU strerror_r returns the message, which may or may not be `buffer`.
  return std::string(strerror_r(err, buffer, sizeof buffer));
}

Error os_error(int err, std::string_view what, const std::string& path, std::string_view advice) {
  std::string message = std::string(what) + " " + path + ": " + errno_text(err);
  if (!advice.empty()) message += "; " + std::string(advice);
  ErrorCode code = err == ENOENT ? ErrorCode::not_found : ErrorCode::io;
  return Error(code, std::move(message)).with_file(path);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> UniqueFd::close(const std::string& path) {
  int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0) return fail(os_error(errno, "cannot close", path));
  return {};
}

Result<UniqueFd> open_file(const std::string& path, int flags, unsigned mode, std::string_view what,
                           std::string_view advice) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return fail(os_error(errno, what, path, advice));
  return UniqueFd(fd);
}

Result<std::size_t> read_full(int fd, void* buffer, std::size_t size, const std::string& path) {
  auto* out = static_cast<char*>(buffer);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(os_error(errno, "cannot read", path));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<std::size_t> pread_full(int fd, void* buffer, std::size_t size, std::uint64_t offset,
                               const std::string& path) {
  auto* out = static_cast<char*>(buffer);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(os_error(errno, "cannot read", path));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<void> write_all(int fd, const void* data, std::size_t size, const std::string& path) {
  const auto* in = static_cast<const char*>(data);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, in + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(os_error(errno, "cannot write", path,
                           errno == ENOSPC ? "free disk space and retry" : ""));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> fsync_fd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return fail(os_error(errno, "cannot fsync", path));
  return {};
}

Result<void> fsync_directory(const std::string& dir) {
  SAFEMIG_TRY(UniqueFd fd, open_file(dir, O_RDONLY | O_DIRECTORY, 0, "cannot open directory"));
  SAFEMIG_TRY_VOID(fsync_fd(fd.get(), dir));
  return fd.close(dir);
}

Result<std::uint64_t> file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(os_error(errno, "cannot stat", path));
  return static_cast<std::uint64_t>(st.st_size);
}

Result<unsigned> permission_bits(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(os_error(errno, "cannot stat", path));
  return static_cast<unsigned>(st.st_mode & 07777);
}

Result<void> set_permission_bits(int fd, unsigned mode, const std::string& path) {
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    return fail(os_error(errno, "cannot set the permissions of", path));
  }
  return {};
}

Result<bool> path_exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return fail(os_error(errno, "cannot check", path));
}

Result<bool> rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return true;
  }
  if (errno == EEXIST) return false;
  if (errno == EINVAL || errno == ENOSYS) {
    // The file system cannot refuse to replace: check, then rename (callers hold the writer lock).
    SAFEMIG_TRY(bool taken, path_exists(to));
    if (taken) return false;
    SAFEMIG_TRY_VOID(rename_replace(from, to));
    return true;
  }
  return fail(os_error(errno, "cannot rename " + from + " to", to));
}

Result<void> rename_replace(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return fail(os_error(errno, "cannot rename " + from + " to", to));
  }
  return {};
}

Result<bool> remove_if_exists(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return fail(os_error(errno, "cannot remove", path));
}

Result<std::vector<std::string>> list_directory(const std::string& dir, std::string_view what) {
  struct DirCloser {
    void operator()(DIR* handle) const { ::closedir(handle); }
  };
  std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
  if (!handle) return fail(os_error(errno, what, dir));
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) return fail(os_error(errno, what, dir));
      return names;
    }
    names.emplace_back(entry->d_name);
  }
}

std::string dir_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

TempFileGuard::~TempFileGuard() {
  if (!released_) ::unlink(path_.c_str());
}

}  // namespace safemig::backup::internal
