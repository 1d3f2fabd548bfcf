// An upstream that answers every request with bytes a test scripts, written as given: for what a
// well-behaved HTTP server (the fake upstream) never sends — interim responses, CRLF event
// streams, an answer before the request body was read.
//
// Thread safety: the accessors may be called from any thread; the server runs on its own
// threads (one per connection), all joined by the destructor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace safemig::testing {

struct ScriptedReply {
  // Each write waits its pause, then sends its bytes.
  std::vector<std::pair<std::chrono::milliseconds, std::string>> writes;
  // false: answer as soon as the request head arrived, reading none of the body.
  bool read_body = true;
  // Close the connection after the writes (with the body unread, the peer sees a reset).
  bool close_after = false;
};

// Called with the request head (request line and fields, up to the blank line).
using ReplyScript = std::function<ScriptedReply(const std::string& head)>;

class ScriptedUpstream {
 public:
  // Listens on 127.0.0.1, on a free port. Throws std::runtime_error when it cannot.
  explicit ScriptedUpstream(ReplyScript script);
  ~ScriptedUpstream();
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::string base_url() const;
  // Connections accepted and requests answered so far.
  std::size_t connections() const { return connections_.load(); }
  std::size_t requests() const { return requests_.load(); }

 private:
  void accept_loop();
  void serve(int connection);

  const ReplyScript script_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> requests_{0};
  std::mutex mutex_;
  std::vector<std::thread> workers_;  // Guarded by mutex_.
  std::thread acceptor_;
};

// The value of the request head's field `name` (case-insensitive), or "".
std::string head_field(const std::string& head, const std::string& name);

}  // namespace safemig::testing
