// SocketDeadline (see socket_deadline.h).
#include "safemig/http/socket_deadline.h"

#include <boost/system/error_code.hpp>

namespace safemig::http {

struct SocketDeadline::State {
  explicit State(boost::asio::ip::tcp::socket& s) : socket(s), timer(s.get_executor()) {}

  boost::asio::ip::tcp::socket& socket;
  boost::asio::steady_timer timer;
  Clock::time_point deadline = Clock::time_point::max();
  // A wait is pending; it fires at timer.expiry(). Invariant: timer.expiry() <= deadline, so
  // the wait never fires after the deadline it stands for.
  bool waiting = false;
  // Counts the waits started. A wait that already completed cannot be cancelled; its handler
  // recognises itself as superseded by a generation other than the current one.
  std::uint64_t generation = 0;
  bool expired = false;
};

SocketDeadline::SocketDeadline(boost::asio::ip::tcp::socket& socket)
    : state_(std::make_shared<State>(socket)) {}

// Destroying the state destroys the timer, which cancels the pending wait.
SocketDeadline::~SocketDeadline() = default;

void SocketDeadline::expires_at(Clock::time_point deadline) {
  State& s = *state_;
  if (s.expired) return;
  s.deadline = deadline;
  if (deadline == Clock::time_point::max()) return;
  if (!s.waiting || deadline < s.timer.expiry()) wait_until(state_, deadline);
}

void SocketDeadline::expires_never() noexcept {
  if (!state_->expired) state_->deadline = Clock::time_point::max();
}

bool SocketDeadline::expired() const { return state_->expired; }

void SocketDeadline::wait_until(const std::shared_ptr<State>& state, Clock::time_point at) {
  State& s = *state;
  s.waiting = true;
  const std::uint64_t generation = ++s.generation;
  s.timer.expires_at(at);
  s.timer.async_wait(
      [weak = std::weak_ptr<State>(state), generation](const boost::system::error_code& ec) {
        const std::shared_ptr<State> alive = weak.lock();
        if (!alive || ec == boost::asio::error::operation_aborted) return;
        State& t = *alive;
        if (generation != t.generation) return;
        t.waiting = false;
        if (t.deadline == Clock::time_point::max()) return;
        if (Clock::now() < t.deadline) {
          wait_until(alive, t.deadline);
          return;
        }
        t.expired = true;
        boost::system::error_code ignored;
        t.socket.close(ignored);
      });
}

}  // namespace safemig::http
