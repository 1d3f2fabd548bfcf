// write_all over a real loopback connection: everything arrives, in order, whether the socket's
// send buffer takes it at once or only as the peer reads; a write the socket takes at once needs
// no pass of the event loop on a non-blocking socket; blocking sockets and empty writes work; a
// peer that reset the connection is an error.
#include "safemig/http/write_all.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace safemig::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using WriteResult = std::tuple<boost::system::error_code, std::size_t>;

class WriteAllTest : public ::testing::Test {
 protected:
  WriteAllTest() {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer_.connect(acceptor.local_endpoint());
    acceptor.accept(socket_);
  }

  // Runs write_all(socket_, data) to its end; returns its result and the number of handlers the
  // io_context ran meanwhile.
  std::pair<std::optional<WriteResult>, std::size_t> write(const std::string& data) {
    std::optional<WriteResult> result;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          result = co_await write_all(socket_, asio::buffer(data));
        },
        asio::detached);
    const std::size_t handlers = io_.run();
    io_.restart();
    return {result, handlers};
  }

  // Reads exactly `size` bytes at the peer (blocking).
  std::string peer_reads(std::size_t size) {
    std::string received(size, '\0');
    asio::read(peer_, asio::buffer(received));
    return received;
  }

  asio::io_context io_;
  tcp::socket socket_{io_};
  tcp::socket peer_{io_};
};

TEST_F(WriteAllTest, SmallWriteOnANonBlockingSocketArrivesWithoutAPassOfTheEventLoop) {
  socket_.non_blocking(true);
  const auto [direct, direct_handlers] = write("data: one\n\n");
  ASSERT_TRUE(direct.has_value());
  EXPECT_FALSE(std::get<0>(*direct));
  EXPECT_EQ(std::get<1>(*direct), 11u);
  EXPECT_EQ(peer_reads(11), "data: one\n\n");

  socket_.non_blocking(false);
  const auto [queued, queued_handlers] = write("data: two\n\n");
  ASSERT_TRUE(queued.has_value());
  EXPECT_FALSE(std::get<0>(*queued));
  EXPECT_EQ(std::get<1>(*queued), 11u);
  EXPECT_EQ(peer_reads(11), "data: two\n\n");
  // The blocking socket's write went through asio::async_write: one completion more.
  EXPECT_LT(direct_handlers, queued_handlers);
}

TEST_F(WriteAllTest, WriteLargerThanTheSendBufferArrivesWholeAsThePeerReads) {
  socket_.non_blocking(true);
  socket_.set_option(asio::socket_base::send_buffer_size(4096));
  std::string data(std::size_t{1} << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);

  std::optional<WriteResult> result;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> { result = co_await write_all(socket_, asio::buffer(data)); },
      asio::detached);
  std::string received(data.size(), '\0');
  std::optional<boost::system::error_code> read_ec;
  asio::async_read(peer_, asio::buffer(received),
                   [&](boost::system::error_code ec, std::size_t) { read_ec = ec; });
  io_.run();

  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(std::get<0>(*result));
  EXPECT_EQ(std::get<1>(*result), data.size());
  ASSERT_TRUE(read_ec.has_value());
  EXPECT_FALSE(*read_ec);
  EXPECT_TRUE(received == data);
  EXPECT_TRUE(socket_.non_blocking());
}

TEST_F(WriteAllTest, BlockingSocketIsWrittenAndStaysBlocking) {
  ASSERT_FALSE(socket_.non_blocking());
  const auto [result, handlers] = write("hello");
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(std::get<0>(*result));
  EXPECT_EQ(std::get<1>(*result), 5u);
  EXPECT_EQ(peer_reads(5), "hello");
  EXPECT_FALSE(socket_.non_blocking());
}

TEST_F(WriteAllTest, EmptyWriteSendsNothing) {
  socket_.non_blocking(true);
  const auto [result, handlers] = write("");
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(std::get<0>(*result));
  EXPECT_EQ(std::get<1>(*result), 0u);
  EXPECT_EQ(peer_.available(), 0u);
}

TEST_F(WriteAllTest, PeerThatResetTheConnectionIsAnError) {
  socket_.non_blocking(true);
  // Closing with a zero linger time resets the connection instead of ending it.
  peer_.set_option(asio::socket_base::linger(true, 0));
  peer_.close();
  const auto [result, handlers] = write("data: lost\n\n");
  ASSERT_TRUE(result.has_value());
  const boost::system::error_code ec = std::get<0>(*result);
  EXPECT_TRUE(ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
      << ec.message();
}

}  // namespace
}  // namespace safemig::http
