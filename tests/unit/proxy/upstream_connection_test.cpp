// Tests of UpstreamConnection::open's failure classes against local sockets: a port nobody
// listens on is the upstream's failure; a process without a free descriptor is the proxy's own.
#include "safemig/proxy/upstream_connection.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <optional>

namespace safemig::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using OpenResult = UpstreamResult<std::unique_ptr<UpstreamConnection>>;

UpstreamTarget local_target(std::uint16_t port) {
  auto target = parse_upstream_url("http://127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(target.has_value());
  return target.value_or(UpstreamTarget{});
}

// Runs UpstreamConnection::open to completion on `io`.
OpenResult open_on(asio::io_context& io, const UpstreamTarget& target) {
  std::optional<OpenResult> result;
  asio::co_spawn(
      io, UpstreamConnection::open(io.get_executor(), target, nullptr, std::chrono::seconds(5)),
      [&](std::exception_ptr, OpenResult r) { result = std::move(r); });
  io.restart();
  io.run();
  EXPECT_TRUE(result.has_value());
  return result ? std::move(*result)
                : tl::make_unexpected(UpstreamFailure{Failure::none, "did not finish", false});
}

// The lowest descriptor number this process does not use (probed without opening one).
int lowest_free_descriptor() {
  int fd = 0;
  while (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) ++fd;
  return fd;
}

TEST(UpstreamConnectionOpenTest, RefusedPortIsUpstreamUnreachable) {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = probe.local_endpoint().port();
  }
  const OpenResult opened = open_on(io, local_target(port));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().failure, Failure::upstream_unreachable);
  EXPECT_THAT(opened.error().detail, HasSubstr("refused"));
}

TEST(UpstreamConnectionOpenTest, NoFreeDescriptorIsTheProxysOwnFailureNotATimeout) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const UpstreamTarget target = local_target(acceptor.local_endpoint().port());
  // One open that succeeds first, and the error texts used below, so that nothing the second
  // open runs needs a descriptor of its own (the sanitizers' runtime checks open pipes the
  // first time they meet a type).
  ASSERT_TRUE(open_on(io, target).has_value());
  const boost::system::error_code emfile(EMFILE, boost::system::system_category());
  EXPECT_TRUE(emfile == boost::system::errc::too_many_files_open);
  EXPECT_FALSE(emfile.message().empty());

  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit exhausted = original;
  exhausted.rlim_cur = static_cast<rlim_t>(lowest_free_descriptor());
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &exhausted), 0);
  const OpenResult opened = open_on(io, target);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);

  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().failure, Failure::proxy_overloaded);
  EXPECT_THAT(opened.error().detail, HasSubstr("opening a socket"));
  EXPECT_THAT(opened.error().detail, HasSubstr(emfile.message()));
  // And a request that meets it is answered 503, classified as the proxy's own failure.
  EXPECT_EQ(failure_status(opened.error().failure), 503);
  EXPECT_EQ(failure_type(opened.error().failure), "proxy_overloaded");
}

}  // namespace
}  // namespace safemig::proxy
