// Linux keeps a process's open descriptors in a table that it doubles when a new descriptor does
// not fit (past 256, 512, 1,024, ... descriptors). In a process with more than one thread the
// kernel then waits for an RCU grace period before the larger table is used (expand_fdtable in
// fs/file.c): the thread that opens the descriptor stops for that long — 4 to 32 ms on the 2
// vCPUs of bench/README.md §7. For a server that thread is the event loop, calling accept or
// connect, and every connection it serves stops with it. The table never shrinks, so growing it
// once at startup, before connections arrive, takes those stops out of serving.
//
// Thread safety: call at startup, before other threads start (then no grace period is waited
// for at all).
#pragma once

#include <cstdint>

#include "safemig/error.h"

namespace safemig::http {

// Descriptors a server reserves room for: 32,768 proxied connections of two descriptors each.
// The table costs 8 bytes of kernel memory per descriptor (512 KiB).
inline constexpr std::uint64_t kServerDescriptors = 65536;

// Grows this process's descriptor table to hold at least `descriptors` descriptors, capped at
// the soft limit on open files, and returns the count reserved. No descriptor stays open.
// Errors: io when the limit cannot be read or no descriptor can be opened (the table then grows
// as connections come, as it would have).
Result<std::uint64_t> reserve_descriptor_table(std::uint64_t descriptors);

}  // namespace safemig::http
