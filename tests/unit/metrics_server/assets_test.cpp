// The dashboard's files are compiled in and served with their content type and ETag; a matching
// If-None-Match gets 304 without a body.
#include "safemig/metrics_server/assets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics_test_db.h"
#include "safemig/metrics_server/service.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Assets, TheDashboardFilesAreEmbedded) {
  for (const char* name : {"index.html", "app.js", "charts.js", "style.css"}) {
    const auto asset = find_asset(name);
    ASSERT_TRUE(asset.has_value()) << name;
    EXPECT_FALSE(asset->data.empty()) << name;
    EXPECT_THAT(std::string(asset->etag), StartsWith("\"")) << name;
  }
  EXPECT_THAT(std::string(find_asset("index.html")->data),
              HasSubstr("<script src=\"/charts.js\">"));
  EXPECT_THAT(std::string(find_asset("app.js")->data), HasSubstr("/api/v1/timeseries"));
  EXPECT_FALSE(find_asset("missing.js").has_value());
}

TEST(Assets, ContentTypesFollowTheExtension) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("blob"), "application/octet-stream");
}

TEST(Assets, ServedThroughTheRouterWithETagAndRevalidation) {
  ::safemig::testing::TempDir dir;
  ReadOnlyDatabase database(dir.file("none.db"));
  MetricsService service(database, ServiceConfig{});
  const auto router = service.router();
  const http::Response page = router->respond(testing::get("/"), http::RequestContext{});
  ASSERT_EQ(page.result(), bhttp::status::ok);
  EXPECT_EQ(page[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(page.body(), find_asset("index.html")->data);
  const std::string etag(page[bhttp::field::etag]);
  EXPECT_EQ(etag, find_asset("index.html")->etag);

  http::Request again = testing::get("/");
  again.set(bhttp::field::if_none_match, "\"other\", " + etag);
  const http::Response cached = router->respond(again, http::RequestContext{});
  EXPECT_EQ(cached.result(), bhttp::status::not_modified);
  EXPECT_TRUE(cached.body().empty());

  const http::Response script = router->respond(testing::get("/app.js"), http::RequestContext{});
  EXPECT_EQ(script.result(), bhttp::status::ok);
  EXPECT_EQ(script[bhttp::field::content_type], "text/javascript; charset=utf-8");
}

}  // namespace
}  // namespace safemig::metrics_server
