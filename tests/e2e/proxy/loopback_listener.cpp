// Listening socket and interruptible poll for the raw test upstreams (see loopback_listener.h).
#include "loopback_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace safemig::testing {

LoopbackListener listen_on_loopback(int backlog) {
  LoopbackListener listener;
  listener.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener.fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener.fd, backlog) != 0 ||
      ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener.fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  listener.port = ntohs(address.sin_port);
  return listener;
}

bool wait_readable(int fd, const std::atomic<bool>& stopping) {
  constexpr int kPollMs = 20;
  while (!stopping.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) > 0) return true;
  }
  return false;
}

}  // namespace safemig::testing
