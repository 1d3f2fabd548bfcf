// parse_listen_address: accepted and rejected forms.
#include <gtest/gtest.h>

#include "safemig/http/server.h"

namespace safemig::http {
namespace {

TEST(ParseListenAddressTest, HostAndPort) {
  const auto address = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(address) << address.error().message;
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 8080);
}

TEST(ParseListenAddressTest, NameAndPortZero) {
  const auto address = parse_listen_address("localhost:0");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "localhost");
  EXPECT_EQ(address->port, 0);
}

TEST(ParseListenAddressTest, BracketedIpv6) {
  const auto address = parse_listen_address("[::1]:65535");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 65535);
}

TEST(FormatListenAddressTest, BracketsIpv6HostsAndReadsBack) {
  EXPECT_EQ(format_listen_address({"127.0.0.1", 8080}), "127.0.0.1:8080");
  EXPECT_EQ(format_listen_address({"localhost", 0}), "localhost:0");
  EXPECT_EQ(format_listen_address({"::1", 44923}), "[::1]:44923");
  const auto back = parse_listen_address(format_listen_address({"::1", 44923}));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->host, "::1");
  EXPECT_EQ(back->port, 44923);
}

class BadListenAddressTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadListenAddressTest, IsInvalidInputSayingWhatIsExpected) {
  const auto address = parse_listen_address(GetParam());
  ASSERT_FALSE(address) << GetParam();
  EXPECT_EQ(address.error().code, ErrorCode::invalid_input);
  EXPECT_NE(address.error().message.find("expected HOST:PORT such as 127.0.0.1:8080"),
            std::string::npos)
      << address.error().message;
}

INSTANTIATE_TEST_SUITE_P(Forms, BadListenAddressTest,
                         ::testing::Values("", "8080", ":8080", "127.0.0.1", "127.0.0.1:",
                                           "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
                                           "127.0.0.1:80x", "127.0.0.1:99999999999", "::1:8080",
                                           "[::1]", "[::1]8080", "[::1:8080", "[]:80"));

}  // namespace
}  // namespace safemig::http
