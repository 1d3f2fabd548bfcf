// Checked POSIX file operations for the backup area: an RAII file descriptor, whole-buffer
// reads and writes, fsync of files and directories, renames that never overwrite, and a guard
// that removes a temporary file unless it was published.
//
// Every failure is an Error naming the operation, the path, the OS reason and, where one exists,
// what to do. ENOENT maps to not_found, everything else to io.
//
// Thread safety: reentrant; a UniqueFd or TempFileGuard is owned by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"

namespace safemig::backup::internal {

// Text of an errno value ("Permission denied").
std::string errno_text(int err);

// Error for a failed OS call: "<what> <path>: <reason>[; <advice>]"; the code from errno.
Error os_error(int err, std::string_view what, const std::string& path,
               std::string_view advice = {});

// Owns a file descriptor; closes it on destruction (a close error there is ignored: call
// close() to check it after writing).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  // Closes now and reports a failed close (which can carry a delayed write error).
  Result<void> close(const std::string& path);

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added. `what` describes the purpose for the message.
Result<UniqueFd> open_file(const std::string& path, int flags, unsigned mode, std::string_view what,
                           std::string_view advice = {});

// Reads up to `size` bytes at the current offset, retrying on EINTR and short reads; returns
// fewer only at end of file.
Result<std::size_t> read_full(int fd, void* buffer, std::size_t size, const std::string& path);
// Reads up to `size` bytes at `offset` (pread), same rules as read_full.
Result<std::size_t> pread_full(int fd, void* buffer, std::size_t size, std::uint64_t offset,
                               const std::string& path);
// Writes all `size` bytes at the current offset, retrying on EINTR and short writes.
Result<void> write_all(int fd, const void* data, std::size_t size, const std::string& path);

Result<void> fsync_fd(int fd, const std::string& path);
// Opens the directory and fsyncs it, so a rename or unlink inside it is durable.
Result<void> fsync_directory(const std::string& dir);
Result<std::uint64_t> file_size(int fd, const std::string& path);
// Permission bits (st_mode & 07777) of the file at `path`.
Result<unsigned> permission_bits(const std::string& path);
// fchmod(2): gives a new file exactly `mode`, whatever the umask.
Result<void> set_permission_bits(int fd, unsigned mode, const std::string& path);

// True when something exists at `path` (lstat); ENOENT is false, other failures are errors.
Result<bool> path_exists(const std::string& path);
// rename(2) that fails rather than replace: returns false when `to` already exists.
Result<bool> rename_no_replace(const std::string& from, const std::string& to);
// rename(2) replacing `to` atomically.
Result<void> rename_replace(const std::string& from, const std::string& to);
// unlink(2); a missing file is not an error. Returns whether a file was removed.
Result<bool> remove_if_exists(const std::string& path);

// The names in directory `dir` ("." and ".." included). `what` describes the purpose for the
// message ("cannot list the backups in"). On failure: not_found (no such directory), io.
Result<std::vector<std::string>> list_directory(const std::string& dir, std::string_view what);

// Directory part of a path ("." for a bare name) and the final component.
std::string dir_name(const std::string& path);
std::string base_name(const std::string& path);

// Removes a temporary file on destruction unless release() was called (the file was renamed to
// its final name). Removal errors in the destructor are ignored: the file is only a leftover.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard();

  const std::string& path() const { return path_; }
  void release() { released_ = true; }

 private:
  std::string path_;
  bool released_ = false;
};

}  // namespace safemig::backup::internal
