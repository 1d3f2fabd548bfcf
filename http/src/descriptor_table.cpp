// reserve_descriptor_table() (see descriptor_table.h): a duplicate at the highest descriptor
// wanted makes the kernel size the table for it; closing it leaves the table as it is.
//
// Thread safety: see descriptor_table.h.
#include "safemig/http/descriptor_table.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

namespace safemig::http {

namespace {

tl::unexpected<Error> cannot_reserve(std::uint64_t count, const std::string& why) {
  return fail(ErrorCode::io, "cannot reserve the descriptor table for " + std::to_string(count) +
                                 " descriptors: " + why +
                                 "; it grows as connections come, with a short stop of the "
                                 "event loop at each doubling");
}

}  // namespace

Result<std::uint64_t> reserve_descriptor_table(std::uint64_t descriptors) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return cannot_reserve(descriptors,
                          std::string("reading the open-file limit: ") + std::strerror(errno));
  }
  const auto count = std::min<std::uint64_t>(
      {descriptors, limit.rlim_cur, static_cast<std::uint64_t>(std::numeric_limits<int>::max())});
  if (count == 0) return count;
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe < 0) {
    return cannot_reserve(count, std::string("opening /dev/null: ") + std::strerror(errno));
  }
  // The lowest free descriptor at or above count - 1: the table is sized to hold it.
  const int highest = ::fcntl(probe, F_DUPFD_CLOEXEC, static_cast<int>(count - 1));
  const int dup_errno = errno;
  ::close(probe);
  if (highest < 0) {
    return cannot_reserve(count,
                          std::string("duplicating a descriptor: ") + std::strerror(dup_errno));
  }
  ::close(highest);
  return count;
}

}  // namespace safemig::http
