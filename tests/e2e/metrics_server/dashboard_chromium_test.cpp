// The dashboard in headless Chromium against a running metrics-server with data: the charts draw
// their data points and the per-model and per-endpoint tables have a row per model and API. Skipped
// when Debian's chromium is not installed. The screenshot is kept as metrics-server-dashboard.png
// in the test's working directory for a person to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "metrics_test_db.h"
#include "server_process.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return name;
  }
  return {};
}

std::vector<std::string> chromium_args(const std::string& chromium, const std::string& profile) {
  return {chromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
          "--disable-sync",
          "--user-data-dir=" + profile,
          "--virtual-time-budget=8000",
          "--window-size=1280,1600"};
}

int count_matches(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

TEST(DashboardInChromium, ChartsAndModelAndEndpointTablesRenderData) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (Debian package 'chromium')";
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("proxy.db");
  testing::create_database(path);
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const std::int64_t now_ms = now.time_since_epoch().count();
  // 23 hours of traffic ending a minute ago: inside the dashboard's default 24 h range.
  testing::write_records(
      path, testing::sample_records(3000, now_ms - 23 * 3'600'000, 23 * 3'600'000 - 60'000, 42, 4));
  auto server = testing::ServerProcess::start(METRICS_SERVER_BINARY,
                                              {"--db", path, "--listen", "127.0.0.1:0"});
  ASSERT_NE(server->port(), 0) << server->output();
  const std::string url = "http://127.0.0.1:" + std::to_string(server->port()) + "/";

  auto dump = chromium_args(chromium, dir.file("profile-dom"));
  dump.push_back("--dump-dom");
  dump.push_back(url);
  const auto dom = testing::run_command(dump);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;

  EXPECT_THAT(dom.output, Not(HasSubstr("Could not load metrics")));
  EXPECT_THAT(dom.output, HasSubstr("3000 requests"));
  // Four line charts and the percentile bars, each with data points drawn.
  EXPECT_EQ(
      count_matches(dom.output, R"(<svg[^>]*class="chart line-chart"[^>]*data-points="[1-9]\d*")"),
      4)
      << dom.output.substr(0, 4000);
  EXPECT_EQ(
      count_matches(dom.output, R"(<svg[^>]*class="chart bar-chart"[^>]*data-points="[1-9]\d*")"),
      1);
  EXPECT_GE(count_matches(dom.output, R"(<path class="series" d="M[\d.]+,[\d.]+L)"), 6);
  EXPECT_GE(count_matches(dom.output, R"(<circle class="point")"), 4 * 200);
  EXPECT_EQ(count_matches(dom.output, R"(<tr class="model-row">)"), 4);
  for (const char* model : {"model-0", "model-1", "model-2", "model-3"}) {
    EXPECT_THAT(dom.output, HasSubstr(std::string("<td>") + model + "</td>"));
  }
  // The per-endpoint table: one row per API the sample records called.
  EXPECT_EQ(count_matches(dom.output, R"(<tr class="endpoint-row">)"), 3);
  for (const char* endpoint : {"chat/completions", "responses", "embeddings"}) {
    EXPECT_THAT(dom.output, HasSubstr(std::string("<td>") + endpoint + "</td>"));
  }

  const std::string screenshot = std::filesystem::absolute("metrics-server-dashboard.png").string();
  std::filesystem::remove(screenshot);
  auto shot = chromium_args(chromium, dir.file("profile-shot"));
  shot.push_back("--screenshot=" + screenshot);
  shot.push_back(url);
  const auto taken = testing::run_command(shot);
  EXPECT_EQ(taken.exit_code, 0) << taken.output;
  EXPECT_TRUE(std::filesystem::exists(screenshot)) << taken.output;
  EXPECT_GT(std::filesystem::file_size(screenshot), 10'000u);
  std::cout << "dashboard screenshot: " << screenshot << "\n";
}

}  // namespace
}  // namespace safemig::metrics_server
