// The dashboard in headless Chromium against a running metrics-server with data: the charts draw
// their data points, traffic in a single time bucket is drawn visibly, the percentile bars of
// values decades apart are all visibly tall, and the per-model and per-endpoint tables have a row
// per model and API. The checks read the SVG geometry from the DOM Chromium dumps. Skipped when
// Debian's chromium is not installed. The screenshot is kept as metrics-server-dashboard.png in
// the test's working directory for a person to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

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

// The numbers captured by `pattern`'s first group, in order of appearance in `text`.
std::vector<double> captured_numbers(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  std::vector<double> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back(std::stod((*it)[1].str()));
  }
  return out;
}

// The markup of the chart drawn into the element with id `host_id`, up to its </svg>; empty
// when the DOM has no such chart.
std::string chart_markup(const std::string& dom, const std::string& host_id) {
  const auto start = dom.find("id=\"" + host_id + "\"");
  if (start == std::string::npos) return {};
  const auto end = dom.find("</svg>", start);
  if (end == std::string::npos) return {};
  return dom.substr(start, end - start);
}

std::int64_t now_epoch_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now())
      .time_since_epoch()
      .count();
}

// The DOM of the dashboard's default view (the last 24 hours) over a database holding
// `records`, as headless Chromium has it after running the page's scripts.
std::string dashboard_dom(const std::string& chromium,
                          const std::vector<dao::CompletionRequest>& records) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("proxy.db");
  testing::create_database(path);
  testing::write_records(path, records);
  auto server = testing::ServerProcess::start(METRICS_SERVER_BINARY,
                                              {"--db", path, "--listen", "127.0.0.1:0"});
  EXPECT_NE(server->port(), 0) << server->output();
  auto dump = chromium_args(chromium, dir.file("profile-dom"));
  dump.push_back("--dump-dom");
  dump.push_back("http://127.0.0.1:" + std::to_string(server->port()) + "/");
  const auto dom = testing::run_command(dump);
  EXPECT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_THAT(dom.output, Not(HasSubstr("Could not load metrics")));
  return dom.output;
}

TEST(DashboardInChromium, TrafficInOneTimeBucketIsDrawnAsLargeMarkersOnStems) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (Debian package 'chromium')";
  // Five requests within one minute, three hours ago: one bucket of the 24 h range has traffic.
  auto records = testing::sample_records(5, now_epoch_ms() - 3 * 3'600'000, 60'000, 7, 1);
  for (auto& r : records) r.response_time_ms = 800;
  const std::string dom = dashboard_dom(chromium, records);
  ASSERT_THAT(dom, HasSubstr("5 requests"));

  for (const char* chart : {"chart-errors", "chart-latency"}) {
    const std::string svg = chart_markup(dom, chart);
    const auto radii = captured_numbers(svg, R"re(<circle class="point"[^>]* r="([\d.]+)")re");
    ASSERT_FALSE(radii.empty()) << chart << ": " << svg.substr(0, 2000);
    for (const double r : radii) EXPECT_GE(r, 4.0) << chart;
  }
  // The average latency (800 ms) stands on a stem from the baseline.
  const std::string latency = chart_markup(dom, "chart-latency");
  const std::regex stem(R"re(<line class="stem"[^>]* y1="([\d.]+)" y2="([\d.]+)")re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(latency, m, stem)) << latency.substr(0, 2000);
  EXPECT_GE(std::stod(m[1].str()) - std::stod(m[2].str()), 50.0) << m[0].str();
}

TEST(DashboardInChromium, PercentileBarsOfValuesDecadesApartAreAllVisiblyTall) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (Debian package 'chromium')";
  // 190 requests of 150 ms and 10 of 9.5 s: p50 about 150 ms, p99 about 9 s.
  auto records = testing::sample_records(200, now_epoch_ms() - 2 * 3'600'000, 3'600'000, 11, 2);
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    r.response_time_ms = i % 20 == 0 ? 9'500 : 150;
    if (r.time_to_first_token_ms) {
      r.time_to_first_token_ms = r.response_time_ms / 3;
      r.time_to_last_token_ms = r.response_time_ms;
    }
  }
  const std::string dom = dashboard_dom(chromium, records);
  ASSERT_THAT(dom, HasSubstr("200 requests"));

  const std::string svg = chart_markup(dom, "chart-percentiles");
  EXPECT_THAT(svg, HasSubstr(R"(data-scale="log")"));
  // The latency group comes first: its bars are the first p50 and the first p99.
  const auto bar_heights = [&](const char* name) {
    return captured_numbers(
        svg, std::string(R"re(<rect class="bar"[^>]* height="([\d.]+)"[^>]* data-name=")re") +
                 name + "\"");
  };
  const auto p50 = bar_heights("p50");
  const auto p99 = bar_heights("p99");
  ASSERT_FALSE(p50.empty()) << svg.substr(0, 3000);
  ASSERT_FALSE(p99.empty()) << svg.substr(0, 3000);
  EXPECT_GE(p50[0], 0.25 * p99[0]) << "p50 bar " << p50[0] << " next to p99 bar " << p99[0];
  EXPECT_GE(p50[0], 20.0);
  // Each bar prints its value, so that the log axis is not the only way to read it.
  EXPECT_EQ(count_matches(svg, R"(<text class="bar-value")"),
            count_matches(svg, R"(<rect class="bar")"));
  // The first p99 bar is the latency's: about 9 s, printed as such.
  const auto p99_label =
      captured_numbers(svg, R"re(<text class="bar-value"[^>]*>p99 ([\d.]+) s<)re");
  ASSERT_FALSE(p99_label.empty()) << svg.substr(0, 3000);
  EXPECT_NEAR(p99_label[0], 9.0, 0.5);
}

TEST(DashboardInChromium, ChartsAndModelAndEndpointTablesRenderData) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (Debian package 'chromium')";
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("proxy.db");
  testing::create_database(path);
  const std::int64_t now_ms = now_epoch_ms();
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
