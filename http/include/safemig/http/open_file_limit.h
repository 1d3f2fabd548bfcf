// Servers hold two descriptors per proxied connection (client and upstream), so the soft limit
// many systems start processes with (1024) caps a proxy at a few hundred concurrent streams.
// raise_open_file_limit() lifts the soft RLIMIT_NOFILE to the hard limit, as nginx's
// worker_rlimit_nofile and Go's runtime do, so the limit an administrator set is the one that
// applies.
//
// Thread safety: call once at startup, before threads that open descriptors start.
#pragma once

#include <cstdint>

#include "safemig/error.h"

namespace safemig::http {

// Raises the soft limit on open files to the hard limit (never lowers it) and returns the soft
// limit now in force. Errors: io when the limit cannot be read or set (the process keeps the
// limit it had).
Result<std::uint64_t> raise_open_file_limit();

}  // namespace safemig::http
