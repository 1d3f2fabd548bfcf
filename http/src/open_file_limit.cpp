// raise_open_file_limit() with getrlimit/setrlimit (see open_file_limit.h).
//
// Thread safety: not thread-safe with concurrent setrlimit calls; meant for startup.
#include "safemig/http/open_file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace safemig::http {

Result<std::uint64_t> raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return fail(ErrorCode::io, std::string("cannot read the open-file limit: ") +
                                   std::strerror(errno) + "; the process keeps its limit");
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      return fail(ErrorCode::io, "cannot raise the open-file limit from " +
                                     std::to_string(limit.rlim_cur) + " to " +
                                     std::to_string(limit.rlim_max) + ": " + std::strerror(errno) +
                                     "; raise it with `ulimit -n` before starting");
    }
    limit = raised;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace safemig::http
