// Router resolution and its pure 404/405 answers, without sockets.
#include "safemig/http/router.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace safemig::http {
namespace {

Request make_request(bhttp::verb method, std::string target) {
  Request request{method, target, 11};
  return request;
}

Response ok_text(const Request& request, std::string body) {
  return text_response(request, bhttp::status::ok, "text/plain", std::move(body));
}

boost::asio::awaitable<void> unused_stream(Request, RequestContext, ResponseChannel&) { co_return; }

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add(bhttp::verb::get, "/healthz",
                [](const Request& r, const RequestContext&) { return ok_text(r, "healthy"); });
    router_.add(bhttp::verb::post, "/items",
                [](const Request& r, const RequestContext&) { return ok_text(r, "posted"); });
    router_.add(bhttp::verb::delete_, "/items",
                [](const Request& r, const RequestContext&) { return ok_text(r, "deleted"); });
    router_.add_prefix("/v1/", unused_stream);
    router_.add_prefix("/v1/chat/", unused_stream);
  }
  Router router_;
};

TEST_F(RouterTest, ExactRouteAnswersWithItsHandler) {
  const auto response = router_.respond(make_request(bhttp::verb::get, "/healthz"), {});
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response.body(), "healthy");
}

TEST_F(RouterTest, QueryStringIsIgnoredForResolution) {
  const auto response = router_.respond(make_request(bhttp::verb::get, "/healthz?verbose=1"), {});
  EXPECT_EQ(response.body(), "healthy");
}

TEST_F(RouterTest, ChoosesTheHandlerForTheMethod) {
  EXPECT_EQ(router_.respond(make_request(bhttp::verb::post, "/items"), {}).body(), "posted");
  EXPECT_EQ(router_.respond(make_request(bhttp::verb::delete_, "/items"), {}).body(), "deleted");
}

TEST_F(RouterTest, HeadUsesTheGetHandler) {
  const auto match = router_.resolve(bhttp::verb::head, "/healthz");
  ASSERT_NE(match.handler, nullptr);
}

TEST_F(RouterTest, OtherMethodOnExactPathIs405WithAllow) {
  const auto match = router_.resolve(bhttp::verb::put, "/items");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.streaming, nullptr);
  EXPECT_EQ(match.allowed, (std::vector<bhttp::verb>{bhttp::verb::delete_, bhttp::verb::post}));

  const auto response = router_.respond(make_request(bhttp::verb::put, "/items"), {});
  EXPECT_EQ(response.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(response[bhttp::field::allow], "DELETE, POST");
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("error").at("type"), "method_not_allowed");
}

TEST_F(RouterTest, AllowForAGetRouteIncludesHead) {
  const auto response = router_.respond(make_request(bhttp::verb::post, "/healthz"), {});
  EXPECT_EQ(response.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(response[bhttp::field::allow], "GET, HEAD");
}

TEST_F(RouterTest, LongestPrefixWins) {
  const auto chat = router_.resolve(bhttp::verb::post, "/v1/chat/completions");
  const auto models = router_.resolve(bhttp::verb::get, "/v1/models?x=1");
  ASSERT_NE(chat.streaming, nullptr);
  ASSERT_NE(models.streaming, nullptr);
  EXPECT_NE(chat.streaming, models.streaming);
  EXPECT_EQ(router_.resolve(bhttp::verb::post, "/v1/chat/x").streaming, chat.streaming);
}

TEST_F(RouterTest, PrefixMatchesAnyMethod) {
  EXPECT_NE(router_.resolve(bhttp::verb::delete_, "/v1/files/1").streaming, nullptr);
}

TEST_F(RouterTest, UnknownPathIs404Json) {
  const auto match = router_.resolve(bhttp::verb::get, "/v2/models");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.streaming, nullptr);
  EXPECT_TRUE(match.allowed.empty());

  const auto response = router_.respond(make_request(bhttp::verb::get, "/v2/models"), {});
  EXPECT_EQ(response.result(), bhttp::status::not_found);
  EXPECT_EQ(response[bhttp::field::content_type], "application/json");
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("error").at("type"), "not_found");
  EXPECT_EQ(body.at("error").at("message"), "no route for GET /v2/models");
  EXPECT_TRUE(body.at("error").at("code").is_null());
}

TEST_F(RouterTest, PathWithDotSegmentsMatchesNothingAndIs400) {
  for (const char* target : {"/v1/../admin", "/v1/chat/../../admin", "/v1/%2e%2E/admin",
                             "/v1/./models", "/v1/.%2e", "/healthz/..", "/v1/x/..?q=1"}) {
    SCOPED_TRACE(target);
    const auto match = router_.resolve(bhttp::verb::get, target);
    EXPECT_TRUE(match.dot_segment);
    EXPECT_EQ(match.streaming, nullptr);
    EXPECT_EQ(match.handler, nullptr);
    const auto response = router_.respond(make_request(bhttp::verb::get, target), {});
    EXPECT_EQ(response.result(), bhttp::status::bad_request);
    const auto body = boost::json::parse(response.body());
    EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
    EXPECT_NE(body.at("error").at("message").as_string().find("'.' or '..' segment"),
              std::string::npos);
  }
  // Dots inside a segment are ordinary characters.
  for (const char* target :
       {"/v1/models/gpt-4.1", "/v1/files/...", "/v1/.well-known", "/v1/a..b"}) {
    SCOPED_TRACE(target);
    EXPECT_FALSE(router_.resolve(bhttp::verb::get, target).dot_segment);
    EXPECT_NE(router_.resolve(bhttp::verb::get, target).streaming, nullptr);
  }
}

TEST_F(RouterTest, PrefixWithoutItsTrailingSlashDoesNotMatch) {
  EXPECT_EQ(router_.resolve(bhttp::verb::get, "/v1").streaming, nullptr);
}

TEST(JsonErrorTest, OpenAiShapeAndRequestVersion) {
  Request request{bhttp::verb::get, "/", 10};
  const auto response =
      json_error(request, bhttp::status::bad_gateway, "upstream_error", "upstream refused \"x\"");
  EXPECT_EQ(response.version(), 10u);
  EXPECT_EQ(response.result(), bhttp::status::bad_gateway);
  EXPECT_EQ(
      response.body(),
      R"({"error":{"message":"upstream refused \"x\"","type":"upstream_error","code":null}})");
  EXPECT_EQ(response[bhttp::field::content_length], std::to_string(response.body().size()));
  EXPECT_FALSE(response.keep_alive());
}

TEST(JsonResponseTest, KeepsAliveWhenTheRequestDoes) {
  Request request{bhttp::verb::get, "/", 11};
  const auto response = json_response(request, bhttp::status::ok, boost::json::value(1));
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(response.body(), "1");
}

}  // namespace
}  // namespace safemig::http
