// End-to-end tests of an https upstream: the real metrics-proxy binary in front of a TlsRelay
// (TLS with the test certificates of tests/fixtures/tls) in front of the in-process fake
// upstream. The proxy trusts the test CA through SSL_CERT_FILE.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "proxy_fixture.h"
#include "support/tls_relay.h"

namespace safemig::testing {
namespace {

using ::testing::HasSubstr;

const std::string kFixtures = TLS_FIXTURES_DIR;

const char* const kChat =
    R"({"model":"gpt-test","max_tokens":16,)"
    R"("messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}]})";
const char* const kChatStream =
    R"({"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi there"}]})";

const Headers kJson = {{"Content-Type", "application/json"},
                       {"Authorization", "Bearer sk-test-secret"}};

class ProxyTlsTest : public ProxyTest {
 protected:
  // A TlsRelay in front of `target` serving the fixture certificate `name` (.pem and .key); kept
  // alive for the test. Failing to start it ends the test (GoogleTest reports the exception).
  TlsRelay& start_relay(const FakeUpstream& target, const std::string& name) {
    TlsRelayOptions options;
    options.target_port = target.port();
    options.certificate_file = kFixtures + "/" + name + ".pem";
    options.private_key_file = kFixtures + "/" + name + ".key";
    auto relay = TlsRelay::start(options);
    if (!relay) throw std::runtime_error(relay.error().describe());
    relays_.push_back(std::move(*relay));
    return *relays_.back();
  }

  // The proxy in front of `url`, trusting the test CA besides the system's certificates.
  std::unique_ptr<ProxyProcess> start_tls_proxy(const std::string& url) {
    return start_proxy(url, {}, {"SSL_CERT_FILE=" + kFixtures + "/ca.pem"});
  }

  static std::string https_url(const TlsRelay& relay) {
    return "https://localhost:" + std::to_string(relay.port());
  }

  // The "error" object of an OpenAI-style error body (empty when the body is not one).
  static boost::json::object error_of(const std::string& body) {
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(body, ec);
    if (ec || !parsed.is_object()) return {};
    const auto* error = parsed.get_object().if_contains("error");
    return error != nullptr && error->is_object() ? error->get_object() : boost::json::object{};
  }

  // An upstream whose certificate the proxy must refuse: 502, an OpenAI-style error naming the
  // TLS handshake, the failure recorded, and no request reaching the fake.
  void expect_rejected(const std::string& certificate) {
    FakeUpstream& behind = start_upstream();
    TlsRelay& relay = start_relay(behind, certificate);
    const std::string url = https_url(relay);
    auto proxy = start_tls_proxy(url);
    ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

    const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson);
    EXPECT_EQ(got.status, 502) << got.error << got.body;
    EXPECT_EQ(got.header("Content-Type"), "application/json");
    const boost::json::object error = error_of(got.body);
    ASSERT_TRUE(error.contains("message")) << got.body;
    EXPECT_EQ(error.at("type"), "upstream_unreachable");
    EXPECT_THAT(std::string(error.at("message").as_string()), HasSubstr("TLS handshake"));
    EXPECT_THAT(std::string(error.at("message").as_string()),
                HasSubstr("certificate verify failed"));

    // The proxy reached the relay, the handshake failed, nothing was relayed.
    EXPECT_EQ(relay.accepted_connections(), 1u);
    EXPECT_EQ(relay.completed_handshakes(), 0u);
    EXPECT_EQ(behind.request_count(), 0u);

    stop(*proxy);
    const auto rows = read_rows(db_);
    ASSERT_EQ(rows.size(), 1u);
    const StoredRow& r = rows[0];
    EXPECT_TRUE(is_failed_row(r, 502, "upstream_unreachable"));
    EXPECT_EQ(r.upstream, url);
    EXPECT_EQ(r.model, "gpt-test");
    EXPECT_THAT(r.request_id, ::testing::StartsWith("proxy-"));
  }

 private:
  std::vector<std::unique_ptr<TlsRelay>> relays_;
};

TEST_F(ProxyTlsTest, NonStreamingRoundTripOverTlsIsByteIdenticalAndRecorded) {
  FakeUpstream& direct = start_upstream();
  FakeUpstream& behind = start_upstream();
  TlsRelay& relay = start_relay(behind, "localhost");
  const std::string url = https_url(relay);
  auto proxy = start_tls_proxy(url);
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/chat/completions", kChat, kJson);
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson);
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(without_created(got.body), without_created(expected.body));
  EXPECT_EQ(got.header("Content-Type"), expected.header("Content-Type"));
  EXPECT_EQ(got.header("X-Request-Id"), expected.header("X-Request-Id"));

  // The request went through the TLS relay, under the https authority.
  EXPECT_EQ(relay.completed_handshakes(), 1u);
  const auto forwarded = behind.last_request();
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_EQ(forwarded->body, kChat);
  EXPECT_EQ(forwarded->header("Host"), "localhost:" + std::to_string(relay.port()));
  EXPECT_EQ(forwarded->header("Authorization"), "Bearer sk-test-secret");

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_EQ(r.request_id, "chatcmpl-fake-1");
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.model, "gpt-test");
  EXPECT_EQ(r.upstream, url);
  EXPECT_FALSE(r.is_streaming);
  EXPECT_EQ(r.max_tokens, 16);
  EXPECT_EQ(r.message_count, 2);
  EXPECT_EQ(r.completion_tokens, 5);
  ASSERT_TRUE(r.prompt_tokens.has_value());
  EXPECT_EQ(r.total_tokens, *r.prompt_tokens + 5);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_FALSE(r.error_type.has_value());
}

TEST_F(ProxyTlsTest, StreamingOverTlsRelaysEveryEventAndRecordsUsage) {
  FakeUpstreamOptions slow;
  slow.token_delay = std::chrono::milliseconds(20);
  FakeUpstream& direct = start_upstream(slow);
  FakeUpstream& behind = start_upstream(slow);
  TlsRelay& relay = start_relay(behind, "localhost");
  auto proxy = start_tls_proxy(https_url(relay));
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply expected =
      http_request(direct.port(), "POST", "/v1/chat/completions", kChatStream, kJson);
  const HttpReply got =
      http_request(proxy->port(), "POST", "/v1/chat/completions", kChatStream, kJson);
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(got.header("Content-Type"), "text/event-stream");
  // Five token events, the finish event and [DONE]; the usage event the proxy asked for on the
  // client's behalf is not passed on.
  EXPECT_EQ(without_created(got.body), without_created(expected.body));
  EXPECT_THAT(got.body, HasSubstr("data: [DONE]\n\n"));
  EXPECT_THAT(got.body, ::testing::Not(HasSubstr("usage")));
  EXPECT_THAT(behind.last_request()->body, HasSubstr("\"include_usage\":true"));
  EXPECT_EQ(relay.completed_handshakes(), 1u);

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  const StoredRow& r = rows[0];
  EXPECT_TRUE(r.success);
  EXPECT_TRUE(r.is_streaming);
  EXPECT_EQ(r.request_id, "chatcmpl-fake-1");
  EXPECT_EQ(r.completion_tokens, 5);
  ASSERT_TRUE(r.prompt_tokens.has_value());
  EXPECT_EQ(r.total_tokens, *r.prompt_tokens + 5);
  EXPECT_EQ(r.finish_reason, "stop");
  ASSERT_TRUE(r.ttft_ms.has_value());
  ASSERT_TRUE(r.ttlt_ms.has_value());
  // Four token delays of 20 ms lie between the first and the last token.
  EXPECT_GE(*r.ttlt_ms - *r.ttft_ms, 70);
  EXPECT_LE(*r.ttlt_ms, r.response_time_ms);
}

TEST_F(ProxyTlsTest, SequentialRequestsReuseOneTlsConnection) {
  FakeUpstream& behind = start_upstream();
  TlsRelay& relay = start_relay(behind, "localhost");
  auto proxy = start_tls_proxy(https_url(relay));
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  const HttpReply first = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson);
  ASSERT_EQ(first.status, 200) << first.error << first.body;
  const HttpReply second =
      http_request(proxy->port(), "POST", "/v1/chat/completions", kChatStream, kJson);
  ASSERT_EQ(second.status, 200) << second.error << second.body;
  EXPECT_THAT(second.body, HasSubstr("data: [DONE]"));
  const HttpReply third = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson);
  ASSERT_EQ(third.status, 200) << third.error << third.body;

  EXPECT_EQ(behind.request_count(), 3u);
  EXPECT_EQ(relay.accepted_connections(), 1u);
  EXPECT_EQ(relay.completed_handshakes(), 1u);

  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].request_id, "chatcmpl-fake-1");
  EXPECT_EQ(rows[1].request_id, "chatcmpl-fake-2");
  EXPECT_EQ(rows[2].request_id, "chatcmpl-fake-3");
  for (const StoredRow& r : rows) {
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.completion_tokens, 5);
  }
}

TEST_F(ProxyTlsTest, AddressUpstreamIsVerifiedAgainstTheIpSubjectAltName) {
  // No server name is sent for an address; the certificate's IP:127.0.0.1 entry must match.
  FakeUpstream& behind = start_upstream();
  TlsRelay& relay = start_relay(behind, "localhost");
  const std::string url = "https://127.0.0.1:" + std::to_string(relay.port());
  auto proxy = start_tls_proxy(url);
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const HttpReply got = http_request(proxy->port(), "POST", "/v1/chat/completions", kChat, kJson);
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(relay.completed_handshakes(), 1u);
  EXPECT_EQ(behind.last_request()->header("Host"), "127.0.0.1:" + std::to_string(relay.port()));
  stop(*proxy);
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].success);
  EXPECT_EQ(rows[0].upstream, url);
}

TEST_F(ProxyTlsTest, UntrustedCertificateIs502) { expect_rejected("self_signed"); }

TEST_F(ProxyTlsTest, TrustedCertificateForAnotherHostIs502) { expect_rejected("other_host"); }

}  // namespace
}  // namespace safemig::testing
