// The size of /metrics is bounded whatever the requests sent: long model names, error types and
// finish reasons, and many distinct ones, through the real writer and the real exposition.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "metrics_test_db.h"
#include "safemig/dao/text_bounds.h"
#include "safemig/metrics_server/exposition.h"
#include "safemig/metrics_server/read_only_database.h"
#include "safemig/metrics_server/service.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;

constexpr std::int64_t kT0 = 1795332600000;
constexpr std::size_t kEightMiB = std::size_t{8} * 1024 * 1024;

std::uintmax_t database_bytes(const std::string& path) {
  std::uintmax_t total = 0;
  for (const std::string& file : {path, path + "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec) total += size;
  }
  return total;
}

// The length of every quoted label value in `text`.
std::vector<std::size_t> label_value_lengths(const std::string& text) {
  std::vector<std::size_t> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    for (std::size_t open = line.find("=\""); open != std::string::npos;
         open = line.find("=\"", open + 1)) {
      const std::size_t close = line.find('"', open + 2);
      out.push_back(close - open - 2);
      open = close;
    }
  }
  return out;
}

dao::CompletionRequest failed_request(std::int64_t n, std::string model, std::string error_type,
                                      std::string finish_reason, std::int64_t status) {
  dao::CompletionRequest r = testing::sample_records(1, kT0 + n, 1, 7)[0];
  r.request_id = "req-" + std::to_string(n);
  r.model = std::move(model);
  r.success = false;
  r.status_code = status;
  r.error_type = std::move(error_type);
  r.finish_reason = std::move(finish_reason);
  return r;
}

TEST(ExpositionBounds, AnEightMiBModelAndManyLongDistinctLabelsKeepTheDatabaseAndMetricsSmall) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("proxy.db");
  testing::create_database(path);
  testing::write_records(path, {failed_request(0, "gpt-4o", "rate_limit", "stop", 429)});
  const std::uintmax_t before = database_bytes(path);
  testing::write_records(
      path, {failed_request(1, std::string(kEightMiB, 'm'), std::string(kEightMiB, 't'),
                            std::string(kEightMiB, 'f'), 500)});
  EXPECT_LT(database_bytes(path) - before, std::uintmax_t{64} * 1024);

  std::vector<dao::CompletionRequest> many;
  for (std::int64_t i = 0; i < 60; ++i) {
    const std::string tail(1024, static_cast<char>('a' + i % 26));
    many.push_back(failed_request(100 + i, std::to_string(i) + tail, std::to_string(i) + tail,
                                  std::to_string(i) + tail, 200 + i));
  }
  testing::write_records(path, many);

  ReadOnlyDatabase database(path);
  MetricsService service(database, ServiceConfig{});
  const http::Response response = service.prometheus(testing::get("/metrics"));
  ASSERT_EQ(response.result(), bhttp::status::ok) << response.body();
  EXPECT_LT(response.body().size(), std::size_t{1024} * 1024);
  EXPECT_THAT(label_value_lengths(response.body()), Each(Le(kMaxLabelValueBytes)));
  EXPECT_THAT(response.body(), HasSubstr("model=\"other\""));
  EXPECT_THAT(response.body(), HasSubstr("status_code=\"other\""));
}

// A database written before the writer bounded names may hold any length: such a name is not a
// label of its own.
TEST(ExpositionBounds, AModelNameOverTheLabelBoundIsReportedAsOther) {
  dao::Metrics metrics;
  metrics.non_streaming.requests = 3;
  const std::string long_model(kMaxLabelValueBytes + 1, 'm');
  metrics.models.push_back({long_model, {}});
  metrics.models.back().totals.requests = 2;
  metrics.models.push_back({"short", {}});
  metrics.models.back().totals.requests = 1;
  metrics.labels.push_back({"error_type", std::string(kMaxLabelValueBytes + 1, 't'), long_model,
                            false, 2, "chat/completions"});
  const ExpositionData data =
      fold_exposition(metrics, {{"short", {1, 0}}}, TokenUsageByModel{}, kDefaultTopModels);
  const std::string text = render_exposition(data);
  EXPECT_THAT(text, Not(HasSubstr(long_model)));
  EXPECT_THAT(text, HasSubstr("gen_ai_request_model=\"short\""));
  EXPECT_THAT(text,
              HasSubstr("llm_proxy_errors_total{model=\"other\",gen_ai_operation_name=\"chat\","
                        "error_type=\"other\""));
}

}  // namespace
}  // namespace safemig::metrics_server
