// End-to-end tests of the proxy's input bounds: a body beyond the bytes of bodies in flight is
// refused 503 before it is read and recorded, and a request naming an 8 MiB model is recorded with
// a bounded model name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy_fixture.h"
#include "safemig/dao/text_bounds.h"

namespace safemig::testing {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

const Headers kJson = {{"Content-Type", "application/json"}};

class ProxyBoundsTest : public ProxyTest {};

TEST_F(ProxyBoundsTest, BodyBeyondTheBodiesInFlightIs503WithAnOpenAiError) {
  FakeUpstream& upstream = start_upstream();
  auto proxy = start_proxy(upstream.base_url(), {"--bodies-in-flight-mib", "1"});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply refused = post_large_body(proxy->port(), "/v1/chat/completions", 2 << 20);
  EXPECT_EQ(refused.status, 503) << refused.error;
  EXPECT_THAT(refused.body, HasSubstr("\"type\":\"server_overloaded\""));
  const HttpReply served =
      http_request(proxy->port(), "POST", "/v1/chat/completions",
                   R"({"model":"gpt-test","messages":[{"role":"user","content":"hi"}]})", kJson);
  EXPECT_EQ(served.status, 200) << served.error << served.body;
  stop(*proxy);
  // The refused completion call is a row of its own: nothing the proxy was asked is lost.
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(is_failed_row(rows[0], 503, "server_overloaded"));
  EXPECT_EQ(rows[1].model, "gpt-test");
}

TEST_F(ProxyBoundsTest, AnEightMiBModelIsRecordedCutToItsBound) {
  FakeUpstream& upstream = start_upstream();
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const std::string body = R"({"model":")" + std::string(std::size_t{8} << 20, 'm') +
                           R"(","messages":[{"role":"user","content":"hi"}]})";
  const HttpReply reply = http_request(proxy->port(), "POST", "/v1/chat/completions", body, kJson);
  EXPECT_NE(reply.status, 0) << reply.error;
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].model.size(), dao::kMaxModelBytes);
  EXPECT_THAT(rows[0].model, EndsWith(std::string(dao::kTruncationMark)));
}

}  // namespace
}  // namespace safemig::testing
