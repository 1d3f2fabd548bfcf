// ScriptedUpstream (see scripted_upstream.h): POSIX sockets polled every 20 ms, so that stopping
// never waits on a blocked call.
#include "scripted_upstream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/beast/core/string.hpp>
#include <thread>

#include "loopback_listener.h"

namespace safemig::testing {
namespace {

// Reads into `pending` until it holds `size` bytes; false when the peer closed or on stop.
bool read_at_least(int fd, std::string& pending, std::size_t size,
                   const std::atomic<bool>& stopping) {
  std::array<char, 16384> buffer{};
  while (pending.size() < size) {
    if (!wait_readable(fd, stopping)) return false;
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) return false;
    pending.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return true;
}

// Sleeps `pause` in short steps; false on stop.
bool pause_for(std::chrono::milliseconds pause, const std::atomic<bool>& stopping) {
  const auto until = std::chrono::steady_clock::now() + pause;
  while (std::chrono::steady_clock::now() < until) {
    if (stopping.load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

std::string head_field(const std::string& head, const std::string& name) {
  std::size_t line = head.find("\r\n");
  while (line != std::string::npos && line + 2 < head.size()) {
    const std::size_t start = line + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string field = head.substr(start, end - start);
    const std::size_t colon = field.find(':');
    if (colon != std::string::npos && boost::beast::iequals(field.substr(0, colon), name)) {
      const std::size_t value = field.find_first_not_of(" \t", colon + 1);
      return value == std::string::npos ? std::string() : field.substr(value);
    }
    line = end;
  }
  return {};
}

ScriptedUpstream::ScriptedUpstream(ReplyScript script) : script_(std::move(script)) {
  const LoopbackListener listener = listen_on_loopback(16);
  listener_ = listener.fd;
  port_ = listener.port;
  acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedUpstream::~ScriptedUpstream() {
  stopping_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
  ::close(listener_);
}

std::string ScriptedUpstream::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void ScriptedUpstream::accept_loop() {
  while (wait_readable(listener_, stopping_)) {
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, connection] { serve(connection); });
  }
}

void ScriptedUpstream::serve(int connection) {
  std::string pending;
  for (;;) {
    std::size_t head_end = pending.find("\r\n\r\n");
    while (head_end == std::string::npos) {
      if (!read_at_least(connection, pending, pending.size() + 1, stopping_)) {
        ::close(connection);
        return;
      }
      head_end = pending.find("\r\n\r\n");
    }
    const std::string head = pending.substr(0, head_end);
    pending.erase(0, head_end + 4);
    const ScriptedReply reply = script_(head);
    if (reply.read_body) {
      const std::string length = head_field(head, "Content-Length");
      const std::size_t body = length.empty() ? 0 : std::stoul(length);
      if (!read_at_least(connection, pending, body, stopping_)) break;
      pending.erase(0, body);
    }
    ++requests_;
    bool sent = true;
    for (const auto& [pause, bytes] : reply.writes) {
      sent = pause_for(pause, stopping_) &&
             ::send(connection, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                 static_cast<ssize_t>(bytes.size());
      if (!sent) break;
    }
    if (!sent || reply.close_after) break;
  }
  ::close(connection);
}

}  // namespace safemig::testing
