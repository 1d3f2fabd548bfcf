// GET /healthz: the schema version and whether it is the one this build expects; 503 when the
// database cannot be read.
#include "safemig/metrics_server/health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

#include "metrics_test_db.h"
#include "safemig/app/history.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;
using ::testing::HasSubstr;

// GET /healthz on a database created at `version` (default: the latest) in `dir`.
http::Response healthz_of_new_database(const ::safemig::testing::TempDir& dir,
                                       bool token_usage_ready,
                                       std::optional<int> version = std::nullopt) {
  const std::string path = dir.file("proxy.db");
  testing::create_database(path, version);
  ReadOnlyDatabase database(path);
  return healthz(testing::get("/healthz"), database, token_usage_ready);
}

TEST(Healthz, ReportsTheLatestVersionAsUpToDate) {
  ::safemig::testing::TempDir dir;
  const http::Response response = healthz_of_new_database(dir, true);
  ASSERT_EQ(response.result(), bhttp::status::ok) << response.body();
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("status").as_string(), "ok");
  EXPECT_EQ(body.at("schema_version").as_int64(), app::kLatestVersion);
  EXPECT_EQ(body.at("expected_schema_version").as_int64(), app::kLatestVersion);
  EXPECT_TRUE(body.at("schema_up_to_date").as_bool());
  EXPECT_TRUE(body.at("token_usage_ready").as_bool());
}

TEST(Healthz, ReportsTokenUsageNotReadyWhileItIsFolded) {
  ::safemig::testing::TempDir dir;
  const http::Response response = healthz_of_new_database(dir, false);
  ASSERT_EQ(response.result(), bhttp::status::ok) << response.body();
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("status").as_string(), "ok");
  EXPECT_FALSE(body.at("token_usage_ready").as_bool());
}

TEST(Healthz, ReportsAnOlderSchemaAsMismatch) {
  ::safemig::testing::TempDir dir;
  const http::Response response = healthz_of_new_database(dir, true, 2);
  ASSERT_EQ(response.result(), bhttp::status::ok) << response.body();
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("status").as_string(), "schema_mismatch");
  EXPECT_EQ(body.at("schema_version").as_int64(), 2);
  EXPECT_FALSE(body.at("schema_up_to_date").as_bool());
}

TEST(Healthz, MissingOrDamagedDatabaseIs503) {
  ::safemig::testing::TempDir dir;
  ReadOnlyDatabase missing(dir.file("missing.db"));
  const http::Response response = healthz(testing::get("/healthz"), missing, true);
  EXPECT_EQ(response.result(), bhttp::status::service_unavailable);
  EXPECT_THAT(response.body(), HasSubstr("\"status\":\"unavailable\""));

  ::safemig::testing::write_file(dir.file("junk.db"), std::string(8192, 'x'));
  ReadOnlyDatabase junk(dir.file("junk.db"));
  EXPECT_EQ(healthz(testing::get("/healthz"), junk, true).result(),
            bhttp::status::service_unavailable);
}

}  // namespace
}  // namespace safemig::metrics_server
