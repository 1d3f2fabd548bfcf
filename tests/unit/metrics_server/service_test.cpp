// MetricsService::start_warm_up: while the stored rows are folded, /metrics leaves the token usage
// out rather than show partial totals; afterwards it shows the totals of every stored row.
#include "safemig/metrics_server/service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>

#include "metrics_test_db.h"
#include "safemig/metrics_server/read_only_database.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;
using testing::get;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::sql_int;

constexpr std::int64_t kT0 = 1795332600000;

// The value of the sample line that starts with `series` followed by a space.
std::optional<std::int64_t> sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(text.substr(at + series.size() + 2));
}

class WarmUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::create_database(path_);
    // Several pages of the tracker (kTokenUsagePageSize), so that the fold takes a while.
    testing::write_records(path_, testing::sample_records(4 * kTokenUsagePageSize + 123,
                                                          kT0 - 5'000, 3'600'000, 5, 1));
  }

  std::string scrape() {
    const http::Response response = service_.prometheus(get("/metrics"));
    EXPECT_EQ(response.result(), bhttp::status::ok) << response.body();
    return response.body();
  }

  ::safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("proxy.db");
  ReadOnlyDatabase database_{path_};
  MetricsService service_{database_, ServiceConfig{}};
  const std::string input_count_ =
      "gen_ai_client_token_usage_count{gen_ai_request_model=\"model-0\",gen_ai_token_type="
      "\"input\"}";
};

TEST_F(WarmUpTest, ScrapesDuringTheFoldLeaveTokenUsageOutThenShowEveryRow) {
  const std::int64_t with_usage =
      sql_int(path_, "SELECT count(*) FROM completion_requests WHERE prompt_tokens IS NOT NULL");
  ASSERT_GT(with_usage, 0);
  std::jthread warm_up = service_.start_warm_up();
  const std::string during = scrape();
  const bool still_warming = service_.warming_up();
  EXPECT_THAT(during, HasSubstr("llm_proxy_requests_total{"));
  if (still_warming) {
    // The flag never comes back once down: it was up for the whole scrape.
    EXPECT_THAT(during, Not(HasSubstr("gen_ai_client_token_usage")));
    const http::Response health = service_.router()->respond(get("/healthz"), {});
    EXPECT_THAT(health.body(), HasSubstr(R"("token_usage_ready":false)"));
  } else {
    EXPECT_EQ(sample(during, input_count_), with_usage) << "never a part of the rows";
  }
  warm_up.join();
  EXPECT_FALSE(service_.warming_up());
  EXPECT_EQ(sample(scrape(), input_count_), with_usage);
  const http::Response health = service_.router()->respond(get("/healthz"), {});
  EXPECT_THAT(health.body(), HasSubstr(R"("token_usage_ready":true)"));
}

TEST_F(WarmUpTest, WithoutAWarmUpTheFirstScrapeFoldsEveryRow) {
  const std::int64_t with_usage =
      sql_int(path_, "SELECT count(*) FROM completion_requests WHERE prompt_tokens IS NOT NULL");
  EXPECT_EQ(sample(scrape(), input_count_), with_usage);
}

TEST(WarmUpWithoutDatabase, EndsAndLeavesTheFoldToTheScrapes) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("later.db");
  ReadOnlyDatabase database(path);
  MetricsService service(database, ServiceConfig{});
  service.start_warm_up().join();  // The file does not exist yet: the warm-up gives up.
  EXPECT_FALSE(service.warming_up());
  testing::create_database(path);
  testing::write_records(path, testing::sample_records(40, kT0, 60'000, 9, 1));
  const auto health = [&service] { return service.router()->respond(get("/healthz"), {}).body(); };
  EXPECT_THAT(health(), HasSubstr(R"("token_usage_ready":false)")) << "nothing was folded yet";
  const http::Response response = service.prometheus(get("/metrics"));
  EXPECT_THAT(health(), HasSubstr(R"("token_usage_ready":true)"));
  ASSERT_EQ(response.result(), bhttp::status::ok) << response.body();
  EXPECT_EQ(sample(response.body(),
                   "gen_ai_client_token_usage_count{gen_ai_request_model=\"model-0\","
                   "gen_ai_token_type=\"input\"}"),
            sql_int(path,
                    "SELECT count(*) FROM completion_requests WHERE prompt_tokens IS NOT "
                    "NULL"));
}

}  // namespace
}  // namespace safemig::metrics_server
