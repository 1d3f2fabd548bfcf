// Small POSIX file helpers of the spill journal, returning safemig errors.
//
// Thread safety: functions over file descriptors and paths; callers serialise use of one fd.
#pragma once

#include <string>
#include <string_view>

#include "safemig/error.h"

namespace safemig::proxy::internal {

// io error "<what> '<path>': <strerror(errno)>".
Error os_error(std::string_view what, const std::string& path);

// Writes all of `data` at the end of `fd`, retrying short writes and EINTR.
Result<void> write_all(int fd, std::string_view data, const std::string& path);

// fsyncs the directory holding `path`, so a created, renamed or removed entry is durable.
Result<void> sync_parent_directory(const std::string& path);

// True when `path` exists and is not empty.
bool non_empty_file(const std::string& path);

}  // namespace safemig::proxy::internal
