// SocketDeadline over a real loopback connection: a passed deadline closes the socket and fails
// the pending read; a later deadline set in time replaces the earlier one, an earlier one takes
// effect at once; no deadline, or a bound that ended, never closes; the deadline may be destroyed
// with its wait pending.
#include "safemig/http/socket_deadline.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <memory>
#include <optional>

namespace safemig::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SocketDeadlineTest : public ::testing::Test {
 protected:
  SocketDeadlineTest() {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer_.connect(acceptor.local_endpoint());
    acceptor.accept(socket_);
  }

  // Runs `action` on the I/O thread once `delay` has passed.
  void after(Clock::duration delay, std::function<void()> action) {
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([timer, action = std::move(action)](boost::system::error_code) { action(); });
  }

  // The peer sends two bytes once `delay` has passed.
  void peer_writes_after(Clock::duration delay) {
    after(delay, [this] { asio::write(peer_, asio::buffer("hi", 2)); });
  }

  // Reads from the socket, running the I/O loop until the read ends (at most 10 s). Returns how
  // it ended, or nullopt if it did not.
  std::optional<boost::system::error_code> read() {
    read_result_.reset();
    socket_.async_read_some(asio::buffer(data_), [this](boost::system::error_code ec, std::size_t) {
      read_result_ = ec;
      read_ended_at_ = Clock::now();
    });
    const auto stop = Clock::now() + 10s;
    while (!read_result_ && Clock::now() < stop) io_.run_one_for(stop - Clock::now());
    return read_result_;
  }

  asio::io_context io_;
  tcp::socket socket_{io_};
  tcp::socket peer_{io_};
  std::array<char, 16> data_{};
  std::optional<boost::system::error_code> read_result_;
  Clock::time_point read_ended_at_;
};

TEST_F(SocketDeadlineTest, PassedDeadlineClosesTheSocketAndFailsThePendingRead) {
  SocketDeadline deadline(socket_);
  const auto start = Clock::now();
  deadline.expires_after(50ms);
  EXPECT_EQ(read(), asio::error::operation_aborted);
  EXPECT_GE(read_ended_at_ - start, 50ms);
  EXPECT_TRUE(deadline.expired());
  EXPECT_FALSE(socket_.is_open());
}

TEST_F(SocketDeadlineTest, LaterDeadlineSetInTimeIsTheOneEnforced) {
  SocketDeadline deadline(socket_);
  const auto start = Clock::now();
  deadline.expires_after(50ms);
  after(25ms, [&] { deadline.expires_after(200ms); });
  EXPECT_EQ(read(), asio::error::operation_aborted);
  EXPECT_GE(read_ended_at_ - start, 225ms);
  EXPECT_TRUE(deadline.expired());
}

TEST_F(SocketDeadlineTest, EarlierDeadlineReplacesALaterOne) {
  SocketDeadline deadline(socket_);
  deadline.expires_after(1h);
  deadline.expires_after(50ms);
  EXPECT_EQ(read(), asio::error::operation_aborted);
  EXPECT_TRUE(deadline.expired());
}

TEST_F(SocketDeadlineTest, RemovedDeadlineNeverCloses) {
  SocketDeadline deadline(socket_);
  deadline.expires_after(50ms);
  deadline.expires_never();
  peer_writes_after(200ms);
  EXPECT_EQ(read(), boost::system::error_code());
  EXPECT_FALSE(deadline.expired());
}

TEST_F(SocketDeadlineTest, BoundRemovesTheDeadlineWhenItEnds) {
  SocketDeadline deadline(socket_);
  { const auto bound = deadline.bound(50ms); }
  peer_writes_after(200ms);
  EXPECT_EQ(read(), boost::system::error_code());
  EXPECT_FALSE(deadline.expired());
}

TEST_F(SocketDeadlineTest, PassedDeadlineStaysPassed) {
  SocketDeadline deadline(socket_);
  deadline.expires_after(10ms);
  EXPECT_EQ(read(), asio::error::operation_aborted);
  ASSERT_TRUE(deadline.expired());
  deadline.expires_after(1h);
  EXPECT_TRUE(deadline.expired());
  EXPECT_FALSE(socket_.is_open());
}

// The wait outlives the deadline; when it completes it finds nothing to act on.
TEST_F(SocketDeadlineTest, DestroyedWithItsWaitPendingLeavesTheSocketAlone) {
  auto deadline = std::make_unique<SocketDeadline>(socket_);
  deadline->expires_after(20ms);
  deadline.reset();
  peer_writes_after(200ms);
  EXPECT_EQ(read(), boost::system::error_code());
  EXPECT_TRUE(socket_.is_open());
}

}  // namespace
}  // namespace safemig::http
