// The Prometheus exposition: exact shape of the rendered text, bounded labels (top models and
// "other"), counts equal to brute-force SQL over the rows, monotonic counters across scrapes,
// and `promtool check metrics` when promtool is installed.
#include "safemig/metrics_server/exposition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "metrics_test_db.h"
#include "safemig/metrics_server/read_only_database.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::sql_int;
using testing::sql_rows;

constexpr std::int64_t kT0 = 1795332600000;

// Sample name with labels -> value, for every sample line of an exposition.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(RenderExposition, ExactShapeOfHistogramsAndCounters) {
  ExpositionData data;
  ModelSeries m;
  m.model = "gpt-x";
  m.requests = {1, 2};
  m.response_time.count = 3;
  m.response_time.sum_ms = 1500;
  m.response_time.buckets[0] = 1;  // <= 1 ms
  m.response_time.buckets[9] = 2;  // <= 1000 ms
  m.tokens.input.add(3);
  m.tokens.output.add(100);
  data.models.push_back(m);
  data.labels.push_back({"error_type", "rate_limit_error", "gpt-x", false, 1, "chat"});
  data.labels.push_back({"status_code", "200", "gpt-x", true, 2, "chat"});
  data.labels.push_back({"status_code", "429", "gpt-x", false, 1, "chat"});
  data.labels.push_back({"status_code", "200", "gpt-x", false, 4, "embeddings"});
  const std::string text = render_exposition(data);

  EXPECT_THAT(text, HasSubstr("# TYPE gen_ai_server_request_duration_seconds histogram\n"
                              "gen_ai_server_request_duration_seconds_bucket{gen_ai_request_model="
                              "\"gpt-x\",le=\"0.001\"} 1\n"
                              "gen_ai_server_request_duration_seconds_bucket{gen_ai_request_model="
                              "\"gpt-x\",le=\"0.002\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gen_ai_server_request_duration_seconds_bucket{gen_ai_request_model="
                              "\"gpt-x\",le=\"0.5\"} 1\n"
                              "gen_ai_server_request_duration_seconds_bucket{gen_ai_request_model="
                              "\"gpt-x\",le=\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("gen_ai_server_request_duration_seconds_bucket{gen_ai_request_model="
                              "\"gpt-x\",le=\"100\"} 3\n"
                              "gen_ai_server_request_duration_seconds_bucket{gen_ai_request_model="
                              "\"gpt-x\",le=\"+Inf\"} 3\n"
                              "gen_ai_server_request_duration_seconds_sum{gen_ai_request_model="
                              "\"gpt-x\"} 1.5\n"
                              "gen_ai_server_request_duration_seconds_count{gen_ai_request_model="
                              "\"gpt-x\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE gen_ai_server_time_to_first_token_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("gen_ai_client_token_usage_bucket{gen_ai_request_model=\"gpt-x\","
                              "gen_ai_token_type=\"input\",le=\"4\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gen_ai_client_token_usage_sum{gen_ai_request_model=\"gpt-x\","
                              "gen_ai_token_type=\"output\"} 100\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE llm_proxy_requests_total counter\n"
                              "llm_proxy_requests_total{model=\"gpt-x\",gen_ai_operation_name="
                              "\"chat\",status_code=\"200\",streaming=\"true\"} 2\n"
                              "llm_proxy_requests_total{model=\"gpt-x\",gen_ai_operation_name="
                              "\"chat\",status_code=\"429\",streaming=\"false\"} 1\n"
                              "llm_proxy_requests_total{model=\"gpt-x\",gen_ai_operation_name="
                              "\"embeddings\",status_code=\"200\",streaming=\"false\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE llm_proxy_errors_total counter\n"
                              "llm_proxy_errors_total{model=\"gpt-x\",gen_ai_operation_name="
                              "\"chat\",error_type=\"rate_limit_error\",streaming=\"false\"} "
                              "1\n"));
  EXPECT_THAT(text, Not(HasSubstr("llm_proxy_finish_reasons_total")));
}

TEST(RenderExposition, EmptyDatabaseHasNoSamples) {
  EXPECT_EQ(render_exposition(ExpositionData{}), "");
}

dao::Metrics three_models() {
  dao::Metrics m;
  const auto add = [&m](const std::string& model, std::int64_t non_streaming,
                        std::int64_t streaming) {
    dao::ModelUsage usage{model, {}};
    usage.totals.requests = non_streaming + streaming;
    usage.totals.response_time.count = usage.totals.requests;
    usage.totals.response_time.sum_ms = 10 * usage.totals.requests;
    usage.totals.response_time.buckets[3] = usage.totals.requests;
    m.models.push_back(usage);
    m.non_streaming.requests += non_streaming;
    m.streaming.requests += streaming;
    m.labels.push_back({"status_code", "200", model, false, non_streaming, "chat/completions"});
    if (streaming > 1) {
      m.labels.push_back({"status_code", "200", model, true, streaming - 1, "chat/completions"});
    }
    m.request_counts.push_back({model, "chat/completions", false, non_streaming});
    m.request_counts.push_back({model, "chat/completions", true, streaming});
  };
  add("big", 5, 5);
  add("mid", 3, 3);
  add("small", 1, 1);
  return m;
}

TEST(FoldExposition, ModelsPastTheTopNBecomeOther) {
  const dao::Metrics metrics = three_models();
  const std::map<std::string, std::array<std::int64_t, 2>> split = {{"big", {5, 5}},
                                                                    {"mid", {3, 3}}};
  TokenUsageByModel tokens;
  tokens["small"].input.add(7);
  const ExpositionData data = fold_exposition(metrics, split, tokens, 2);
  ASSERT_EQ(data.models.size(), 3u);
  EXPECT_EQ(data.models[0].model, "big");
  EXPECT_EQ(data.models[1].model, "mid");
  EXPECT_EQ(data.models[2].model, "other");
  EXPECT_EQ(data.models[2].requests, (std::array<std::int64_t, 2>{1, 1}));
  EXPECT_EQ(data.models[2].response_time.count, 2);
  EXPECT_EQ(data.models[2].tokens.input.count(), 1u);
  // Requests without a status code are counted as status_code="none".
  EXPECT_THAT(data.labels,
              ::testing::Contains(LabelSeries{"status_code", "none", "big", true, 1, "chat"}));
  EXPECT_THAT(data.labels,
              ::testing::Contains(LabelSeries{"status_code", "none", "other", true, 1, "chat"}));
  EXPECT_THAT(data.labels,
              ::testing::Contains(LabelSeries{"status_code", "200", "other", false, 1, "chat"}));
}

TEST(FoldExposition, AModelNamedOtherIsReportedWithTheOverflowNotBesideIt) {
  dao::Metrics metrics = three_models();
  for (dao::ModelUsage& usage : metrics.models) {
    if (usage.model == "big") usage.model = "other";
  }
  for (dao::LabelCount& label : metrics.labels) {
    if (label.model == "big") label.model = "other";
  }
  for (dao::RequestCount& count : metrics.request_counts) {
    if (count.model == "big") count.model = "other";
  }
  const std::map<std::string, std::array<std::int64_t, 2>> split = {
      {"other", {5, 5}}, {"mid", {3, 3}}, {"small", {1, 1}}};
  TokenUsageByModel tokens;
  tokens["other"].input.add(7);
  tokens["small"].input.add(9);
  const ExpositionData data = fold_exposition(metrics, split, tokens, 2);
  std::vector<std::string> names;
  for (const ModelSeries& m : data.models) names.push_back(m.model);
  EXPECT_EQ(names, (std::vector<std::string>{"mid", "small", "other"}));
  EXPECT_EQ(data.models[2].requests, (std::array<std::int64_t, 2>{5, 5}));
  EXPECT_EQ(data.models[2].response_time.count, 10);
  EXPECT_EQ(data.models[2].tokens.input.count(), 1u);
  std::int64_t requests = 0;
  std::set<std::tuple<std::string, std::string, std::string, std::string, bool>> keys;
  for (const LabelSeries& l : data.labels) {
    EXPECT_TRUE(keys.insert({l.label, l.value, l.model, l.operation, l.streaming}).second)
        << l.model;
    if (l.label == "status_code") requests += l.requests;
  }
  EXPECT_EQ(requests, 18);
  // Every sample line is a distinct series.
  std::istringstream text(render_exposition(data));
  std::size_t sample_lines = 0;
  for (std::string line; std::getline(text, line);) sample_lines += line.starts_with('#') ? 0 : 1;
  EXPECT_EQ(samples(render_exposition(data)).size(), sample_lines);
}

TEST(FoldExposition, TokensOfAModelWithNoRequestYetWaitForItsFirstRequest) {
  const dao::Metrics metrics = three_models();
  const std::map<std::string, std::array<std::int64_t, 2>> split = {
      {"big", {5, 5}}, {"mid", {3, 3}}, {"small", {1, 1}}};
  TokenUsageByModel tokens;
  tokens["big"].input.add(7);
  tokens["stamped-later"].input.add(9);
  const ExpositionData data = fold_exposition(metrics, split, tokens, 20);
  std::vector<std::string> names;
  for (const ModelSeries& m : data.models) names.push_back(m.model);
  EXPECT_EQ(names, (std::vector<std::string>{"big", "mid", "small"}));
  EXPECT_EQ(data.models[0].tokens.input.count(), 1u);
  EXPECT_THAT(render_exposition(data), Not(HasSubstr("other")));
}

TEST(FoldExposition, LabelValuesAreBounded) {
  dao::Metrics metrics;
  metrics.models.push_back({"m", {}});
  for (std::size_t i = 0; i < kTopLabelValues + 5; ++i) {
    metrics.labels.push_back({"error_type", "e" + std::to_string(100 + i), "m", false,
                              static_cast<std::int64_t>(100 - i), "embeddings"});
  }
  const ExpositionData data = fold_exposition(metrics, {}, {}, 20);
  ASSERT_EQ(data.labels.size(), kTopLabelValues + 1);
  EXPECT_THAT(data.labels, ::testing::Contains(LabelSeries{"error_type", "other", "m", false,
                                                           80 + 79 + 78 + 77 + 76, "embeddings"}));
}

TEST(OperationName, FollowsTheOpenTelemetryGenAiConventions) {
  EXPECT_EQ(operation_name("chat/completions"), "chat");
  EXPECT_EQ(operation_name("responses"), "chat");
  EXPECT_EQ(operation_name("completions"), "text_completion");
  EXPECT_EQ(operation_name("embeddings"), "embeddings");
  EXPECT_EQ(operation_name("images/generations"), "other");
}

// gen_ai_operation_name of a row's endpoint, in SQL.
constexpr const char* kOperationSql =
    "CASE endpoint WHEN 'completions' THEN 'text_completion' WHEN 'embeddings' THEN 'embeddings' "
    "ELSE 'chat' END";

class CollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::create_database(path_);
    testing::write_records(path_, testing::sample_records(900, kT0 - 5'000, 4 * 3'600'000, 3, 5));
  }

  std::string scrape(dao::TimePoint now, std::size_t top) {
    auto lease = database_.acquire();
    EXPECT_TRUE(lease.has_value());
    auto data = collect_exposition(lease->connection(), &tokens_, now, top);
    EXPECT_TRUE(data.has_value()) << data.error().describe();
    return data ? render_exposition(*data) : std::string();
  }

  ::safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("proxy.db");
  ReadOnlyDatabase database_{path_};
  TokenUsageTracker tokens_;
  const dao::TimePoint now_ = dao::from_epoch_ms(kT0 + 4 * 3'600'000);
};

TEST_F(CollectTest, CountersEqualBruteForceOverAllRows) {
  const auto s = samples(scrape(now_, 20));
  for (const db::Row& row :
       sql_rows(path_, "SELECT model, " + std::string(kOperationSql) +
                           ", coalesce(CAST(status_code AS TEXT), 'none'), is_streaming, count(*) "
                           "FROM completion_requests GROUP BY 1, 2, 3, 4")) {
    const std::string key = "llm_proxy_requests_total{model=\"" + row.text(0) +
                            "\",gen_ai_operation_name=\"" + row.text(1) + "\",status_code=\"" +
                            row.text(2) + "\",streaming=\"" +
                            (row.int64(3) != 0 ? "true" : "false") + "\"}";
    ASSERT_EQ(s.count(key), 1u) << key;
    EXPECT_EQ(s.at(key), static_cast<double>(row.int64(4))) << key;
  }
  for (const db::Row& row :
       sql_rows(path_,
                "SELECT model, count(*), sum(response_time_ms), "
                "count(prompt_tokens), sum(prompt_tokens), "
                "count(completion_tokens) FROM completion_requests GROUP BY 1")) {
    const std::string m = "{gen_ai_request_model=\"" + row.text(0) + "\"}";
    EXPECT_EQ(s.at("gen_ai_server_request_duration_seconds_count" + m), row.int64(1));
    EXPECT_DOUBLE_EQ(s.at("gen_ai_server_request_duration_seconds_sum" + m),
                     static_cast<double>(row.int64(2)) / 1000.0);
    const std::string in =
        "{gen_ai_request_model=\"" + row.text(0) + "\",gen_ai_token_type=\"input\"}";
    const std::string out =
        "{gen_ai_request_model=\"" + row.text(0) + "\",gen_ai_token_type=\"output\"}";
    EXPECT_EQ(s.at("gen_ai_client_token_usage_count" + in), row.int64(3));
    EXPECT_EQ(s.at("gen_ai_client_token_usage_sum" + in), row.int64(4));
    EXPECT_EQ(s.at("gen_ai_client_token_usage_count" + out), row.int64(5));
  }
  for (const db::Row& row : sql_rows(
           path_, "SELECT model, " + std::string(kOperationSql) +
                      ", error_type, is_streaming, count(*) FROM "
                      "completion_requests WHERE error_type IS NOT NULL GROUP BY 1, 2, 3, 4")) {
    const std::string key = "llm_proxy_errors_total{model=\"" + row.text(0) +
                            "\",gen_ai_operation_name=\"" + row.text(1) + "\",error_type=\"" +
                            row.text(2) + "\",streaming=\"" + (row.int64(3) ? "true" : "false") +
                            "\"}";
    EXPECT_EQ(s.at(key), row.int64(4)) << key;
  }
}

TEST_F(CollectTest, TopModelsKeepTheirNamesAndTheRestAreOther) {
  const auto s = samples(scrape(now_, 2));
  double total = 0;
  std::set<std::string> models;
  for (const auto& [key, value] : s) {
    if (!key.starts_with("llm_proxy_requests_total{")) continue;
    total += value;
    const auto start = key.find("model=\"") + 7;
    models.insert(key.substr(start, key.find('"', start) - start));
  }
  EXPECT_EQ(total, sql_int(path_, "SELECT count(*) FROM completion_requests"));
  EXPECT_EQ(models.size(), 3u);
  EXPECT_TRUE(models.contains("other"));
  const auto top = sql_rows(path_,
                            "SELECT model FROM completion_requests GROUP BY model "
                            "ORDER BY count(*) DESC LIMIT 2");
  for (const db::Row& row : top) EXPECT_TRUE(models.contains(row.text(0))) << row.text(0);
}

TEST_F(CollectTest, CountersNeverDecreaseAcrossScrapes) {
  const auto before = samples(scrape(now_, 20));
  // New rows, most with timestamps before the previous scrape.
  testing::write_records(path_, testing::sample_records(200, kT0, 4 * 3'600'000, 11, 5));
  const auto after = samples(scrape(now_ + std::chrono::minutes(45), 20));
  for (const auto& [key, value] : before) {
    ASSERT_TRUE(after.contains(key)) << key;
    EXPECT_GE(after.at(key), value) << key;
  }
  EXPECT_GT(
      after.at("gen_ai_server_request_duration_seconds_count{gen_ai_request_model=\"model-0\"}"),
      before.at("gen_ai_server_request_duration_seconds_count{gen_ai_request_model=\"model-0\"}"));
}

TEST_F(CollectTest, TokenUsageCountsRowsCommittedLongAfterTheirTimestamp) {
  const auto before = samples(scrape(now_, 20));
  // Committed after the first scrape with timestamps two days before it (a journal replay).
  testing::write_records(
      path_, testing::sample_records(120, kT0 + 4 * 3'600'000 - 2 * 86'400'000, 3'600'000, 12, 5));
  const auto after = samples(scrape(now_ + std::chrono::minutes(1), 20));
  bool grew = false;
  for (const db::Row& row : sql_rows(path_,
                                     "SELECT model, count(prompt_tokens), sum(prompt_tokens), "
                                     "count(completion_tokens), sum(completion_tokens) "
                                     "FROM completion_requests GROUP BY 1")) {
    const std::string in =
        "{gen_ai_request_model=\"" + row.text(0) + "\",gen_ai_token_type=\"input\"}";
    const std::string out =
        "{gen_ai_request_model=\"" + row.text(0) + "\",gen_ai_token_type=\"output\"}";
    EXPECT_EQ(after.at("gen_ai_client_token_usage_count" + in), row.int64(1)) << row.text(0);
    EXPECT_EQ(after.at("gen_ai_client_token_usage_sum" + in), row.int64(2)) << row.text(0);
    EXPECT_EQ(after.at("gen_ai_client_token_usage_count" + out), row.int64(3)) << row.text(0);
    EXPECT_EQ(after.at("gen_ai_client_token_usage_sum" + out), row.int64(4)) << row.text(0);
    grew = grew || after.at("gen_ai_client_token_usage_count" + in) >
                       before.at("gen_ai_client_token_usage_count" + in);
  }
  EXPECT_TRUE(grew);
}

TEST_F(CollectTest, WithoutATrackerTheTokenUsageIsLeftOutNotZero) {
  auto lease = database_.acquire();
  ASSERT_TRUE(lease.has_value());
  const auto data = collect_exposition(lease->connection(), nullptr, now_, 20);
  ASSERT_TRUE(data.has_value()) << data.error().describe();
  EXPECT_FALSE(data->has_token_usage);
  const std::string text = render_exposition(*data);
  EXPECT_THAT(text, Not(HasSubstr("gen_ai_client_token_usage")));
  const auto without = samples(text);
  const auto with = samples(scrape(now_, 20));
  for (const auto& [key, value] : with) {
    if (key.starts_with("gen_ai_client_token_usage")) continue;
    ASSERT_TRUE(without.contains(key)) << key;
    EXPECT_EQ(without.at(key), value) << key;
  }
}

TEST_F(CollectTest, PromtoolAcceptsTheExposition) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package 'prometheus')";
  }
  const std::string file = dir_.file("metrics.prom");
  ::safemig::testing::write_file(file, scrape(now_, 2));
  const std::string command = "promtool check metrics < " + file + " > " + file + ".out 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << ::safemig::testing::read_file(file + ".out");
}

}  // namespace
}  // namespace safemig::metrics_server
