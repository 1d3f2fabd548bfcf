// POSIX helpers of the test upstreams that script raw bytes (silent_upstream.h,
// scripted_upstream.h): a listening socket on 127.0.0.1 and a poll that stopping interrupts.
//
// Thread safety: free functions on descriptors the caller owns.
#pragma once

#include <atomic>
#include <cstdint>

namespace safemig::testing {

struct LoopbackListener {
  int fd = -1;
  std::uint16_t port = 0;
};

// Listens on 127.0.0.1, on a free port. Throws std::runtime_error when it cannot.
LoopbackListener listen_on_loopback(int backlog);

// Waits until `fd` is readable or `stopping` (polled every 20 ms, so that stopping never waits
// on a blocked call); returns whether it is readable.
bool wait_readable(int fd, const std::atomic<bool>& stopping);

}  // namespace safemig::testing
