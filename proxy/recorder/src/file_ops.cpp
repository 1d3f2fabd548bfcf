// POSIX file helpers of the spill journal (see file_ops.h).
//
// Thread safety: see file_ops.h.
#include "file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace safemig::proxy::internal {

Error os_error(std::string_view what, const std::string& path) {
  const int err = errno;
  return Error(ErrorCode::io, std::string(what) + " '" + path + "': " + std::strerror(err))
      .with_file(path);
}

Result<void> write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(os_error("cannot write spill journal", path));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> sync_parent_directory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(os_error("cannot open directory of", path));
  const int rc = ::fsync(fd);
  Result<void> result;
  if (rc != 0) result = fail(os_error("cannot sync directory of", path));
  ::close(fd);
  return result;
}

bool non_empty_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

}  // namespace safemig::proxy::internal
