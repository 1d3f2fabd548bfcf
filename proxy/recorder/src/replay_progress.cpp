// Replay progress (see replay_progress.h). The record is one text line of fixed width,
// "safemig-replay-progress 1 <dev> <ino> <offset> <line> end\n", each number 20 digits wide, so a
// new record overwrites the old one exactly and a record cut short lacks its "end".
//
// Thread safety: see replay_progress.h.
#include "replay_progress.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "file_ops.h"

namespace safemig::proxy::internal {
namespace {

constexpr const char* kFormat =
    "safemig-replay-progress 1 %020" PRIu64 " %020" PRIu64 " %020" PRIu64 " %020" PRIu64 " end\n";
constexpr const char* kScanFormat =
    "safemig-replay-progress 1 %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " end%c";
constexpr std::size_t kRecordSize = 26 + 4 * 21 + 4;

}  // namespace

std::string replay_progress_path(const std::string& replay_path) {
  return replay_path + ".progress";
}

JournalPosition load_replay_progress(const std::string& replay_path) {
  struct stat file {};
  if (::stat(replay_path.c_str(), &file) != 0) return {};
  const std::string path = replay_progress_path(replay_path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char text[kRecordSize + 1] = {};
  const ssize_t n = ::pread(fd, text, kRecordSize, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(kRecordSize)) return {};
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  JournalPosition position;
  char newline = 0;
  if (std::sscanf(text, kScanFormat, &dev, &ino, &position.offset, &position.line, &newline) != 5 ||
      newline != '\n') {
    return {};
  }
  if (dev != static_cast<std::uint64_t>(file.st_dev) ||
      ino != static_cast<std::uint64_t>(file.st_ino) ||
      position.offset > static_cast<std::uint64_t>(file.st_size)) {
    return {};
  }
  return position;
}

Result<void> save_replay_progress(const std::string& replay_path, JournalPosition position) {
  struct stat file {};
  if (::stat(replay_path.c_str(), &file) != 0) {
    return fail(os_error("cannot read the identity of spill journal", replay_path));
  }
  char text[kRecordSize + 1] = {};
  const int length =
      std::snprintf(text, sizeof text, kFormat, static_cast<std::uint64_t>(file.st_dev),
                    static_cast<std::uint64_t>(file.st_ino), position.offset, position.line);
  if (length != static_cast<int>(kRecordSize)) {
    return fail(ErrorCode::internal, "replay progress record has an unexpected size");
  }
  const std::string path = replay_progress_path(replay_path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(os_error("cannot open replay progress file", path));
  Result<void> result;
  const ssize_t n = ::pwrite(fd, text, kRecordSize, 0);
  if (n < 0) {
    result = fail(os_error("cannot write replay progress file", path));
  } else if (n != static_cast<ssize_t>(kRecordSize)) {
    errno = ENOSPC;
    result = fail(os_error("short write to replay progress file", path));
  }
  ::close(fd);
  return result;
}

Result<void> remove_replay_progress(const std::string& replay_path) {
  const std::string path = replay_progress_path(replay_path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail(os_error("cannot remove replay progress file", path));
  }
  return {};
}

}  // namespace safemig::proxy::internal
