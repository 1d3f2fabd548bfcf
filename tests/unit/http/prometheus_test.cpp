// PrometheusText: the exact exposition text.
#include "safemig/http/prometheus.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>

#include "support/temp_dir.h"

namespace safemig::http {
namespace {

TEST(PrometheusTextTest, CounterAndGaugeWithHelpAndTypeOnce) {
  PrometheusText text;
  text.counter("requests_total", "Requests served.", {{"model", "gpt-4o"}}, 3);
  text.counter("requests_total", "Requests served.", {{"model", "other"}}, 1);
  text.gauge("in_flight", "Requests in flight.", {}, 2);
  EXPECT_EQ(text.text(),
            "# HELP requests_total Requests served.\n"
            "# TYPE requests_total counter\n"
            "requests_total{model=\"gpt-4o\"} 3\n"
            "requests_total{model=\"other\"} 1\n"
            "# HELP in_flight Requests in flight.\n"
            "# TYPE in_flight gauge\n"
            "in_flight 2\n");
}

TEST(PrometheusTextTest, InterleavedFamiliesStayGrouped) {
  PrometheusText text;
  text.counter("a_total", "A.", {{"k", "1"}}, 1);
  text.gauge("b", "B.", {}, 5);
  text.counter("a_total", "A.", {{"k", "2"}}, 2);
  EXPECT_EQ(text.text(),
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total{k=\"1\"} 1\n"
            "a_total{k=\"2\"} 2\n"
            "# HELP b B.\n"
            "# TYPE b gauge\n"
            "b 5\n");
}

TEST(PrometheusTextTest, EscapesLabelValuesAndHelp) {
  PrometheusText text;
  text.gauge("g", "Line one\nback\\slash \"quoted\".", {{"path", "C:\\dir\n\"x\""}, {"b", ""}}, 1);
  EXPECT_EQ(text.text(),
            "# HELP g Line one\\nback\\\\slash \"quoted\".\n"
            "# TYPE g gauge\n"
            "g{path=\"C:\\\\dir\\n\\\"x\\\"\",b=\"\"} 1\n");
}

// Prometheus refuses a whole scrape over one label value that is not UTF-8.
TEST(PrometheusTextTest, LabelValuesThatAreNotUtf8AreRepaired) {
  PrometheusText text;
  text.counter("c_total", "Help.",
               {{"model",
                 "a\xFF"
                 "b"}},
               1);
  EXPECT_EQ(text.text(),
            "# HELP c_total Help.\n"
            "# TYPE c_total counter\n"
            "c_total{model=\"a\xEF\xBF\xBD"
            "b\"} 1\n");
}

TEST(PrometheusTextTest, ValueFormatting) {
  PrometheusText text;
  text.gauge("v", "V.", {{"i", "0"}}, 0.25);
  text.gauge("v", "V.", {{"i", "1"}}, 1e21);
  text.gauge("v", "V.", {{"i", "2"}}, -0.0);
  text.gauge("v", "V.", {{"i", "3"}}, std::numeric_limits<double>::infinity());
  text.gauge("v", "V.", {{"i", "4"}}, -std::numeric_limits<double>::infinity());
  text.gauge("v", "V.", {{"i", "5"}}, std::numeric_limits<double>::quiet_NaN());
  text.gauge("v", "V.", {{"i", "6"}}, 123456789);
  text.gauge("v", "V.", {{"i", "7"}}, 0.1 + 0.2);
  EXPECT_EQ(text.text(),
            "# HELP v V.\n"
            "# TYPE v gauge\n"
            "v{i=\"0\"} 0.25\n"
            "v{i=\"1\"} 1e+21\n"
            "v{i=\"2\"} 0\n"
            "v{i=\"3\"} +Inf\n"
            "v{i=\"4\"} -Inf\n"
            "v{i=\"5\"} NaN\n"
            "v{i=\"6\"} 123456789\n"
            "v{i=\"7\"} 0.30000000000000004\n");
}

TEST(PrometheusTextTest, HistogramIsCumulativeWithInfSumAndCount) {
  PrometheusText text;
  text.histogram("latency_seconds", "Request latency.", {{"model", "m"}}, {0.1, 0.5, 1},
                 {2, 3, 0, 4}, 7.5);
  EXPECT_EQ(text.text(),
            "# HELP latency_seconds Request latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{model=\"m\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{model=\"m\",le=\"0.5\"} 5\n"
            "latency_seconds_bucket{model=\"m\",le=\"1\"} 5\n"
            "latency_seconds_bucket{model=\"m\",le=\"+Inf\"} 9\n"
            "latency_seconds_sum{model=\"m\"} 7.5\n"
            "latency_seconds_count{model=\"m\"} 9\n");
}

TEST(PrometheusTextTest, HistogramWithoutLabelsAndTwoSeries) {
  PrometheusText text;
  text.histogram("h", "H.", {}, {1}, {1, 0}, 0.5);
  text.histogram("h", "H.", {{"a", "x"}}, {1}, {0, 2}, 4);
  EXPECT_EQ(text.text(),
            "# HELP h H.\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 1\n"
            "h_bucket{le=\"+Inf\"} 1\n"
            "h_sum 0.5\n"
            "h_count 1\n"
            "h_bucket{a=\"x\",le=\"1\"} 0\n"
            "h_bucket{a=\"x\",le=\"+Inf\"} 2\n"
            "h_sum{a=\"x\"} 4\n"
            "h_count{a=\"x\"} 2\n");
}

TEST(PrometheusTextTest, HistogramWithMissingCountsTreatsThemAsZero) {
  PrometheusText text;
  text.histogram("h", "H.", {}, {1, 2}, {3}, 1);
  EXPECT_EQ(text.text(),
            "# HELP h H.\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 3\n"
            "h_bucket{le=\"2\"} 3\n"
            "h_bucket{le=\"+Inf\"} 3\n"
            "h_sum 1\n"
            "h_count 3\n");
}

TEST(PrometheusTextTest, ContentTypeIsTheTextFormat) {
  EXPECT_EQ(PrometheusText::kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

// promtool (Debian's `prometheus` package) is optional here: the exact-text tests above are the
// contract; this checks the same shapes against the reference parser when it is installed.
std::optional<std::filesystem::path> find_promtool() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = std::filesystem::path(dir) / "promtool";
    if (!dir.empty() && std::filesystem::exists(candidate)) return candidate;
  }
  return std::nullopt;
}

TEST(PrometheusTextTest, PromtoolAcceptsTheOutput) {
  const auto promtool = find_promtool();
  if (!promtool) GTEST_SKIP() << "promtool is not installed";
  PrometheusText text;
  text.counter("app_requests_total", "Requests.\nWith \\ escapes", {{"model", "a\"b\n\\"}}, 3);
  text.gauge("app_in_flight", "In flight.", {}, 0);
  text.counter("app_requests_total", "Requests.", {{"model", "other"}}, 1e21);
  text.histogram("app_duration_seconds", "Duration.", {{"model", "m"}}, {0.01, 0.1, 1},
                 {1, 2, 3, 4}, 12.5);
  text.histogram("app_duration_seconds", "Duration.", {}, {0.01, 0.1, 1}, {0, 0, 0, 0}, 0);
  text.gauge("app_ratio", "Ratio.", {}, std::numeric_limits<double>::quiet_NaN());
  safemig::testing::TempDir dir;
  const std::string file = dir.file("metrics.txt");
  safemig::testing::write_file(file, text.text());
  const std::string command = promtool->string() + " check metrics < " + file;
  EXPECT_EQ(std::system(command.c_str()), 0) << text.text();
}

}  // namespace
}  // namespace safemig::http
