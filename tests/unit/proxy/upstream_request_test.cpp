// Tests of the upstream URL parser and the translation of client requests and upstream heads:
// hop-by-hop headers, Host rewriting, base paths, Content-Length.
#include "safemig/proxy/upstream_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>
#include <vector>

#include "safemig/http/utf8.h"
#include "safemig/proxy/request_id.h"
#include "support/matchers.h"

namespace safemig::proxy {
namespace {

namespace bhttp = http::bhttp;
using ::safemig::testing::ErrorIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

UpstreamTarget target(std::string_view url) {
  auto t = parse_upstream_url(url);
  EXPECT_TRUE(t.has_value()) << t.error().describe();
  return t.value_or(UpstreamTarget{});
}

TEST(ParseUpstreamUrlTest, HttpAndHttps) {
  const UpstreamTarget plain = target("http://127.0.0.1:8000");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 8000);
  EXPECT_EQ(plain.authority, "127.0.0.1:8000");
  EXPECT_EQ(plain.base_path, "");
  const UpstreamTarget secure = target("https://api.openai.com/v1/");
  EXPECT_TRUE(secure.tls);
  EXPECT_EQ(secure.port, 443);
  EXPECT_EQ(secure.authority, "api.openai.com");
  EXPECT_EQ(secure.base_path, "/v1");
  EXPECT_EQ(secure.url, "https://api.openai.com/v1");
  const UpstreamTarget v6 = target("http://[::1]:81");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.authority, "[::1]:81");
}

TEST(ParseUpstreamUrlTest, RefusesOtherSchemesAndGarbage) {
  EXPECT_THAT(parse_upstream_url("ftp://x"), ErrorIs(ErrorCode::invalid_input, HasSubstr("ftp")));
  EXPECT_THAT(parse_upstream_url("not a url"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected")));
  EXPECT_THAT(parse_upstream_url("http://h/?q=1"),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("query")));
}

TEST(ParseUpstreamUrlTest, CredentialsAreRefusedWithoutBeingRepeated) {
  const auto parsed = parse_upstream_url("https://user:s3cret@api.example.com/v1");
  EXPECT_THAT(parsed,
              ErrorIs(ErrorCode::invalid_input,
                      AllOf(HasSubstr("credentials"), HasSubstr("'https://api.example.com/v1'"))));
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(parsed.error().message, Not(HasSubstr("s3cret")));
  EXPECT_THAT(parsed.error().message, Not(HasSubstr("user")));
}

http::Request client_request() {
  http::Request r{bhttp::verb::post, "/v1/chat/completions?x=1", 11};
  r.set(bhttp::field::host, "proxy.local:8080");
  r.set(bhttp::field::authorization, "Bearer sk-secret");
  r.set(bhttp::field::content_type, "application/json");
  r.set(bhttp::field::connection, "keep-alive, X-Custom-Hop");
  r.set("X-Custom-Hop", "1");
  r.set(bhttp::field::keep_alive, "timeout=5");
  r.set(bhttp::field::proxy_authorization, "Basic abc");
  r.set(bhttp::field::te, "trailers");
  r.set(bhttp::field::upgrade, "h2c");
  r.set(bhttp::field::accept_encoding, "gzip");
  r.set("X-Origin", "team-a");
  r.body() = R"({"model":"m"})";
  r.prepare_payload();
  return r;
}

// What the upstream receives for `client`: the head built for it followed by the body (the
// replacement when given), parsed back as a request.
http::Request sent(const http::Request& client, const UpstreamTarget& to,
                   std::optional<std::string> body, bool drop_accept_encoding) {
  const std::string payload = body ? *body : client.body();
  const std::string wire =
      upstream_request_head(client, to, payload.size(), drop_accept_encoding) + payload;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << wire;
  EXPECT_TRUE(parser.is_done()) << wire;
  EXPECT_EQ(used, wire.size()) << wire;
  return parser.release();
}

TEST(UpstreamRequestHeadTest, DropsHopByHopAndRewritesHost) {
  const http::Request up =
      sent(client_request(), target("http://10.0.0.1:9000"), std::nullopt, false);
  EXPECT_EQ(up.method(), bhttp::verb::post);
  EXPECT_EQ(up.target(), "/v1/chat/completions?x=1");
  EXPECT_EQ(up[bhttp::field::host], "10.0.0.1:9000");
  EXPECT_EQ(up[bhttp::field::authorization], "Bearer sk-secret");
  EXPECT_EQ(up[bhttp::field::content_type], "application/json");
  EXPECT_EQ(up["X-Origin"], "team-a");
  EXPECT_EQ(up[bhttp::field::accept_encoding], "gzip");
  EXPECT_EQ(up.count("X-Custom-Hop"), 0u);
  EXPECT_EQ(up.count(bhttp::field::keep_alive), 0u);
  EXPECT_EQ(up.count(bhttp::field::proxy_authorization), 0u);
  EXPECT_EQ(up.count(bhttp::field::te), 0u);
  EXPECT_EQ(up.count(bhttp::field::upgrade), 0u);
  EXPECT_EQ(up.count(bhttp::field::connection), 0u);
  EXPECT_EQ(up.body(), R"({"model":"m"})");
  EXPECT_EQ(up[bhttp::field::content_length], "13");
}

TEST(UpstreamRequestHeadTest, ReplacedBodyGetsItsLengthAndEncodingCanBeDropped) {
  const http::Request up =
      sent(client_request(), target("http://h"), std::string("{\"a\":true}"), true);
  EXPECT_EQ(up.body(), "{\"a\":true}");
  EXPECT_EQ(up[bhttp::field::content_length], "10");
  EXPECT_EQ(up.count(bhttp::field::accept_encoding), 0u);
  EXPECT_EQ(up[bhttp::field::host], "h");
}

TEST(UpstreamRequestHeadTest, BasePathIsPrefixedWithoutDoublingV1) {
  http::Request r = client_request();
  EXPECT_EQ(sent(r, target("https://api.x.com/v1"), std::nullopt, false).target(),
            "/v1/chat/completions?x=1");
  EXPECT_EQ(sent(r, target("https://gw.x.com/openai/v1"), std::nullopt, false).target(),
            "/openai/v1/chat/completions?x=1");
  EXPECT_EQ(sent(r, target("https://gw.x.com/base"), std::nullopt, false).target(),
            "/base/v1/chat/completions?x=1");
}

TEST(UpstreamRequestHeadTest, GetWithoutBodyHasNoLength) {
  http::Request r{bhttp::verb::get, "/v1/models", 11};
  const http::Request up = sent(r, target("http://h:1"), std::nullopt, false);
  EXPECT_EQ(up.count(bhttp::field::content_length), 0u);
  EXPECT_EQ(up.method(), bhttp::verb::get);
  EXPECT_EQ(up.version(), 11u);
}

TEST(UpstreamRequestHeadTest, EmptyPostSaysSoAndUnknownMethodsPassThrough) {
  http::Request post{bhttp::verb::post, "/v1/completions", 10};
  EXPECT_EQ(sent(post, target("http://h"), std::nullopt, false)[bhttp::field::content_length], "0");
  http::Request custom;
  custom.method_string("PURGE");
  custom.target("/v1/cache");
  custom.version(11);
  const http::Request up = sent(custom, target("http://h"), std::nullopt, false);
  EXPECT_EQ(up.method_string(), "PURGE");
  EXPECT_EQ(up.target(), "/v1/cache");
  EXPECT_EQ(up.count(bhttp::field::content_length), 0u);
}

TEST(BuildClientHeadTest, KeepsEndToEndHeadersOnly) {
  bhttp::response_header<> up;
  up.result(bhttp::status::too_many_requests);
  up.set(bhttp::field::content_type, "application/json");
  up.set(bhttp::field::content_length, "42");
  up.set(bhttp::field::transfer_encoding, "chunked");
  up.set(bhttp::field::connection, "close");
  up.set("x-ratelimit-remaining", "0");
  const auto kept = build_client_head(up, true);
  EXPECT_EQ(kept.result_int(), 429u);
  EXPECT_EQ(kept[bhttp::field::content_length], "42");
  EXPECT_EQ(kept["x-ratelimit-remaining"], "0");
  EXPECT_EQ(kept.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(kept.count(bhttp::field::connection), 0u);
  const auto chunked = build_client_head(up, false);
  EXPECT_EQ(chunked.count(bhttp::field::content_length), 0u);
}

TEST(BuildClientHeadTest, FieldsKeepTheUpstreamsSpellingAndOrder) {
  bhttp::response_parser<bhttp::empty_body> parser;
  boost::system::error_code ec;
  const std::string_view wire =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nX-Request-ID: r-1\r\n"
      "CONTENT-LENGTH: 2\r\nx-custom: a\r\n\r\n";
  parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  ASSERT_FALSE(ec) << ec.message();
  const auto head = build_client_head(parser.get().base(), true);
  std::vector<std::string> lines;
  for (const auto& field : head) {
    lines.push_back(std::string(field.name_string()) + ": " + std::string(field.value()));
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"content-type: application/json", "X-Request-ID: r-1",
                                             "CONTENT-LENGTH: 2", "x-custom: a"}));
  // Known names stay known to Beast, whatever their spelling.
  EXPECT_EQ(head[bhttp::field::content_length], "2");
  EXPECT_EQ(head.begin()->name(), bhttp::field::content_type);
}

TEST(RequestOriginTest, XOriginTrimmedElseThePeerAddress) {
  http::Request request{bhttp::verb::post, "/v1/chat/completions", 11};
  EXPECT_EQ(request_origin(request, "10.0.0.7"), "10.0.0.7");
  EXPECT_EQ(request_origin(request, ""), std::nullopt);
  request.set("X-Origin", "  team-a\t");
  EXPECT_EQ(request_origin(request, "10.0.0.7"), "team-a");
}

// What is stored must be UTF-8: metrics-server writes it into JSON.
TEST(RequestOriginTest, LongOrForeignBytesAreCutOnACharacterAndMadeUtf8) {
  http::Request request{bhttp::verb::post, "/v1/chat/completions", 11};
  std::string accented = "a";
  for (int i = 0; i < 150; ++i) accented += "\xC3\xA9";  // é, two bytes each.
  request.set("X-Origin", accented);
  const auto origin = request_origin(request, "10.0.0.7");
  ASSERT_TRUE(origin.has_value());
  EXPECT_EQ(origin->size(), 199u);
  EXPECT_TRUE(http::is_utf8(*origin));
  request.set("X-Origin",
              "team\xFF"
              "b");
  EXPECT_EQ(request_origin(request, "10.0.0.7"),
            "team\xEF\xBF\xBD"
            "b");
}

TEST(MaySendAgainTest, IdempotentMethodsOrAnIdempotencyKeyOnly) {
  for (bhttp::verb method : {bhttp::verb::get, bhttp::verb::head, bhttp::verb::options,
                             bhttp::verb::trace, bhttp::verb::put, bhttp::verb::delete_}) {
    http::Request r{method, "/v1/models", 11};
    EXPECT_TRUE(may_send_again(r)) << r.method_string();
  }
  http::Request post{bhttp::verb::post, "/v1/chat/completions", 11};
  EXPECT_FALSE(may_send_again(post));
  http::Request patch{bhttp::verb::patch, "/v1/files/f1", 11};
  EXPECT_FALSE(may_send_again(patch));
  post.set("idempotency-key", "k-1");
  EXPECT_TRUE(may_send_again(post));
}

TEST(IsHopByHopTest, Names) {
  for (const char* name : {"Connection", "keep-alive", "Proxy-Authenticate", "proxy-connection",
                           "TE", "Trailer", "Transfer-Encoding", "Upgrade"}) {
    EXPECT_TRUE(is_hop_by_hop(name)) << name;
  }
  for (const char* name : {"Authorization", "Content-Type", "Host", "X-Origin"}) {
    EXPECT_FALSE(is_hop_by_hop(name)) << name;
  }
}

TEST(RequestIdGeneratorTest, IdsAreUniqueAcrossGenerators) {
  RequestIdGenerator a;
  RequestIdGenerator b;
  const std::string first = a.next();
  EXPECT_NE(first, a.next());
  EXPECT_NE(first, b.next());
  EXPECT_THAT(first, ::testing::StartsWith("proxy-"));
}

}  // namespace
}  // namespace safemig::proxy
