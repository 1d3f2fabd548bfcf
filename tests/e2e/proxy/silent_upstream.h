// An upstream that takes one connection, reads what the proxy sends and never answers: for tests
// of what the proxy does with an upstream request whose client left.
//
// Thread safety: the accessors may be called from any thread; the server runs on its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace safemig::testing {

class SilentUpstream {
 public:
  // Listens on 127.0.0.1, on a free port. Throws std::runtime_error when it cannot.
  SilentUpstream();
  ~SilentUpstream();
  SilentUpstream(const SilentUpstream&) = delete;
  SilentUpstream& operator=(const SilentUpstream&) = delete;

  std::string base_url() const;
  // Blocks until the first connection's peer closed it, or `timeout` passed; returns whether it
  // was closed.
  bool wait_for_close(std::chrono::milliseconds timeout);
  // Bytes received on the first connection so far.
  std::size_t bytes_received() const;

 private:
  void serve();

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> received_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace safemig::testing
