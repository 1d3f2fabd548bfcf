// SocketDeadline: one deadline for every operation on a TCP socket, enforced by closing the
// socket when it passes.
//
// Beast's tcp_stream enforces its expiry per operation: each read and write starts a timer wait
// and cancels it on completion, and the cancelled wait runs as a handler of its own. On a proxy
// that makes several reads and writes per request, that was about a fifth of its CPU per
// request (bench/README.md §5). A SocketDeadline keeps at most one timer wait per socket and
// moves it lazily: a deadline later than the pending wait only updates a field, and the wait,
// when it fires early, waits again for the deadline then in force. Only a deadline earlier than
// the pending wait reschedules it.
//
// Once the deadline passes, the socket is closed (pending operations fail with
// operation_aborted, later ones with bad_descriptor) and expired() is true for good. Streams
// over the socket must not set an expiry of their own.
//
// Unlike Beast's expiry, a deadline counts while no operation is pending too. Code that turns
// from the socket to something else for a while (a handler, another connection) removes it
// first: bound() does that for one group of operations.
//
// Thread safety: the socket's. Every member, and the timer's handler, runs on the socket's
// executor (its strand, or the io_context's only thread).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

namespace safemig::http {

class SocketDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `socket` must outlive this object; the timer runs on its executor. No deadline is set.
  explicit SocketDeadline(boost::asio::ip::tcp::socket& socket);
  ~SocketDeadline();
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;

  // Sets the deadline for the operations from now on, replacing the previous one.
  void expires_at(Clock::time_point deadline);
  void expires_after(Clock::duration timeout) { expires_at(Clock::now() + timeout); }
  // Removes the deadline: the socket is never closed for lack of progress. A pending wait,
  // when it fires, finds no deadline and ends.
  void expires_never() noexcept;

  // The deadline passed and the socket was closed.
  bool expired() const;

  // Removes the deadline when destroyed.
  class [[nodiscard]] Bound {
   public:
    explicit Bound(SocketDeadline& deadline) : deadline_(&deadline) {}
    ~Bound() { deadline_->expires_never(); }
    Bound(const Bound&) = delete;
    Bound& operator=(const Bound&) = delete;

   private:
    SocketDeadline* deadline_;
  };
  // Sets the deadline `timeout` from now, for the operations started while the result lives.
  Bound bound(Clock::duration timeout) {
    expires_after(timeout);
    return Bound(*this);
  }

 private:
  struct State;
  // Starts the one timer wait, to fire at `at`; a pending wait is superseded.
  static void wait_until(const std::shared_ptr<State>& state, Clock::time_point at);

  // Shared with the timer's handler, which holds it weakly: a wait that completes after this
  // object is gone finds nothing and touches nothing.
  std::shared_ptr<State> state_;
};

}  // namespace safemig::http
