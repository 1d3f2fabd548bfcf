// SilentUpstream (see silent_upstream.h): POSIX sockets polled every 20 ms, so that stopping
// never waits on a blocked call.
#include "silent_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace safemig::testing {
namespace {

constexpr int kPollMs = 20;

// Waits until `fd` is readable or `stopping`; returns whether it is readable.
bool wait_readable(int fd, const std::atomic<bool>& stopping) {
  while (!stopping.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) > 0) return true;
  }
  return false;
}

}  // namespace

SilentUpstream::SilentUpstream() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener_, 4) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener_);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
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
