// SilentUpstream (see silent_upstream.h): POSIX sockets polled every 20 ms, so that stopping
// never waits on a blocked call.
#include "silent_upstream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include "loopback_listener.h"

namespace safemig::testing {

SilentUpstream::SilentUpstream() {
  const LoopbackListener listener = listen_on_loopback(4);
  listener_ = listener.fd;
  port_ = listener.port;
  thread_ = std::thread([this] { serve(); });
}

SilentUpstream::~SilentUpstream() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

std::string SilentUpstream::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool SilentUpstream::wait_for_close(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return closed_; });
}

std::size_t SilentUpstream::bytes_received() const { return received_.load(); }

void SilentUpstream::serve() {
  if (!wait_readable(listener_, stopping_)) return;
  const int connection = ::accept(listener_, nullptr, nullptr);
  if (connection < 0) return;
  std::array<char, 4096> buffer{};
  while (wait_readable(connection, stopping_)) {
    const ssize_t n = ::recv(connection, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      std::lock_guard lock(mutex_);
      closed_ = true;
      changed_.notify_all();
      break;
    }
    received_ += static_cast<std::size_t>(n);
  }
  ::close(connection);
}

}  // namespace safemig::testing
