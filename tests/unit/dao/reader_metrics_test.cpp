// Tests of CompletionRequestsReader::metrics and ::timeseries against a brute-force computation
// over the same rows, for ranges aligned and unaligned to minutes, hours and days.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/completion_requests_writer.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::testing::HasSubstr;

constexpr std::int64_t kHour0 = 1795330800000;  // 2026-11-22T07:00:00Z
constexpr std::int64_t kMinute = 60000;
constexpr std::int64_t kHour = 3600000;
constexpr std::int64_t kDay = 86400000;
constexpr std::int64_t kDay0 = kHour0 - 7 * kHour;  // 2026-11-22T00:00:00Z

struct Brute {
  std::int64_t requests = 0, successes = 0, errors = 0;
  std::int64_t prompt = 0, completion = 0, total = 0;
  std::vector<std::int64_t> rt, ttft, ttlt;
  std::map<std::string, std::int64_t> error_types;
};

Brute brute(const std::vector<CompletionRequest>& records, std::int64_t from, std::int64_t to,
            const std::optional<std::string>& model, std::optional<bool> streaming,
            const std::optional<std::string>& endpoint = std::nullopt) {
  Brute b;
  for (const auto& r : records) {
    const std::int64_t t = to_epoch_ms(r.timestamp);
    if (t < from || t >= to || (model && r.model != *model)) continue;
    if (endpoint && r.endpoint != *endpoint) continue;
    if (streaming && r.is_streaming != *streaming) continue;
    ++b.requests;
    (r.success ? b.successes : b.errors) += 1;
    b.prompt += r.prompt_tokens.value_or(0);
    b.completion += r.completion_tokens.value_or(0);
    b.total += r.total_tokens.value_or(0);
    b.rt.push_back(r.response_time_ms);
    if (r.time_to_first_token_ms) b.ttft.push_back(*r.time_to_first_token_ms);
    if (r.time_to_last_token_ms) b.ttlt.push_back(*r.time_to_last_token_ms);
    if (r.error_type) b.error_types[*r.error_type] += 1;
  }
  return b;
}

void expect_latency(const LatencySummary& s, std::vector<std::int64_t> values,
                    const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(s.count, static_cast<std::int64_t>(values.size()));
  std::int64_t sum = 0;
  for (auto v : values) sum += v;
  EXPECT_EQ(s.sum_ms, sum);
  if (values.empty()) {
    EXPECT_FALSE(s.avg_ms.has_value());
    EXPECT_FALSE(s.p50_ms.has_value());
    EXPECT_FALSE(s.max_ms.has_value());
    return;
  }
  EXPECT_EQ(s.avg_ms, static_cast<double>(sum) / static_cast<double>(values.size()));
  std::sort(values.begin(), values.end());
  EXPECT_EQ(s.max_ms, values.back());
  const std::pair<double, std::optional<double>> quantiles[] = {
      {0.50, s.p50_ms}, {0.95, s.p95_ms}, {0.99, s.p99_ms}};
  for (const auto& [q, estimate] : quantiles) {
    const auto rank = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))));
    ASSERT_TRUE(estimate.has_value());
    EXPECT_EQ(latency_bucket_index(*estimate),
              latency_bucket_index(static_cast<double>(values[rank - 1])))
        << "q=" << q;
    EXPECT_LE(*estimate, static_cast<double>(values.back())) << "q=" << q;
  }
}

void expect_totals(const UsageTotals& t, const Brute& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(t.requests, b.requests);
  EXPECT_EQ(t.successes, b.successes);
  EXPECT_EQ(t.errors, b.errors);
  EXPECT_EQ(t.error_rate, b.requests ? static_cast<double>(b.errors) / b.requests : 0.0);
  EXPECT_EQ(t.prompt_tokens, b.prompt);
  EXPECT_EQ(t.completion_tokens, b.completion);
  EXPECT_EQ(t.total_tokens, b.total);
  expect_latency(t.response_time, b.rt, "response time");
  expect_latency(t.time_to_first_token, b.ttft, "ttft");
  expect_latency(t.time_to_last_token, b.ttlt, "ttlt");
}

class ReaderMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testing::open_migrated(dir_.file("metrics.db"));
    ASSERT_NE(connection_, nullptr);
    auto writer = CompletionRequestsWriter::create(*connection_);
    ASSERT_THAT(writer, IsOk());
    // Five hours of rows, written in several batches.
    for (std::uint32_t seed = 1; seed <= 4; ++seed) {
      auto batch = testing::sample_records(1500, from_epoch_ms(kHour0), 5 * 3600000, seed);
      ASSERT_THAT(writer->insert_batch(batch), IsOk());
      records_.insert(records_.end(), batch.begin(), batch.end());
    }
  }

  void check(std::int64_t from, std::int64_t to, const std::optional<std::string>& model) {
    SCOPED_TRACE("range [" + std::to_string(from - kHour0) + ", " + std::to_string(to - kHour0) +
                 ") model " + model.value_or("*"));
    CompletionRequestsReader reader(*connection_);
    auto m = reader.metrics(TimeRange{from_epoch_ms(from), from_epoch_ms(to)}, model);
    ASSERT_THAT(m, IsOk());
    const Brute all = brute(records_, from, to, model, std::nullopt);
    expect_totals(m->overall, all, "overall");
    expect_totals(m->streaming, brute(records_, from, to, model, true), "streaming");
    expect_totals(m->non_streaming, brute(records_, from, to, model, false), "non-streaming");
    EXPECT_EQ(m->error_types, all.error_types);
    std::int64_t per_model_requests = 0;
    for (const auto& usage : m->models) {
      expect_totals(usage.totals, brute(records_, from, to, usage.model, std::nullopt),
                    "model " + usage.model);
      per_model_requests += usage.totals.requests;
    }
    EXPECT_EQ(per_model_requests, all.requests);
    std::int64_t per_endpoint_requests = 0;
    for (const auto& usage : m->endpoints) {
      expect_totals(usage.totals, brute(records_, from, to, model, std::nullopt, usage.endpoint),
                    "endpoint " + usage.endpoint);
      per_endpoint_requests += usage.totals.requests;
    }
    EXPECT_EQ(per_endpoint_requests, all.requests);
    EXPECT_TRUE(std::is_sorted(m->endpoints.begin(), m->endpoints.end(),
                               [](const EndpointUsage& a, const EndpointUsage& b) {
                                 return a.totals.requests > b.totals.requests;
                               }));
    std::int64_t status_labels = 0;
    for (const auto& l : m->labels) {
      if (l.label == "status_code") status_labels += l.requests;
    }
    std::int64_t with_status = 0;
    for (const auto& r : records_) {
      const std::int64_t t = to_epoch_ms(r.timestamp);
      if (t >= from && t < to && (!model || r.model == *model) && r.status_code) ++with_status;
    }
    EXPECT_EQ(status_labels, with_status);
  }

  void check_timeseries(std::int64_t from, std::int64_t to, std::int64_t step) {
    SCOPED_TRACE("timeseries [" + std::to_string(from - kHour0) + ", " +
                 std::to_string(to - kHour0) + ") step " + std::to_string(step));
    CompletionRequestsReader reader(*connection_);
    auto series = reader.timeseries(TimeRange{from_epoch_ms(from), from_epoch_ms(to)},
                                    std::chrono::milliseconds(step));
    ASSERT_THAT(series, IsOk());
    ASSERT_FALSE(series->empty());
    EXPECT_EQ(to_epoch_ms(series->front().start), from);
    EXPECT_EQ(to_epoch_ms(series->back().end), to);
    for (const auto& b : *series) {
      const Brute expected =
          brute(records_, to_epoch_ms(b.start), to_epoch_ms(b.end), std::nullopt, std::nullopt);
      EXPECT_EQ(b.requests, expected.requests) << "bucket " << to_epoch_ms(b.start) - kHour0;
      EXPECT_EQ(b.errors, expected.errors);
      EXPECT_EQ(b.prompt_tokens, expected.prompt);
      EXPECT_EQ(b.total_tokens, expected.total);
      std::int64_t sum = 0;
      for (auto v : expected.rt) sum += v;
      if (expected.requests > 0) {
        EXPECT_EQ(b.avg_response_time_ms,
                  static_cast<double>(sum) / static_cast<double>(expected.requests));
      }
      EXPECT_EQ(to_epoch_ms(b.end) % step == 0 || to_epoch_ms(b.end) == to, true);
    }
  }

  safemig::testing::TempDir dir_;
  std::unique_ptr<db::Connection> connection_;
  std::vector<CompletionRequest> records_;
};

TEST_F(ReaderMetricsTest, AlignedRangesEqualBruteForce) {
  check(kHour0, kHour0 + 5 * 3600000, std::nullopt);
  check(kHour0 + 3600000, kHour0 + 3 * 3600000, std::nullopt);
  check(kHour0 + 60000, kHour0 + 120000, std::nullopt);
  check(kHour0, kHour0 + 5 * 3600000, std::string("gpt-b"));
}

TEST_F(ReaderMetricsTest, UnalignedRangesEqualBruteForce) {
  check(kHour0 + 12345, kHour0 + 4 * 3600000 + 54321, std::nullopt);
  check(kHour0 + 59999, kHour0 + 60001, std::nullopt);
  check(kHour0 + 61000, kHour0 + 3599000, std::nullopt);
  check(kHour0 + 30 * 60000 + 7, kHour0 + 2 * 3600000 + 30 * 60000 + 7, std::string("llama-c"));
  check(kHour0 - 3600000, kHour0 + 10 * 3600000 + 1, std::nullopt);
}

TEST_F(ReaderMetricsTest, EmptyRangeHasZeros) {
  CompletionRequestsReader reader(*connection_);
  auto m = reader.metrics(TimeRange{from_epoch_ms(kHour0 - 5000), from_epoch_ms(kHour0)});
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->overall.requests, 0);
  EXPECT_EQ(m->overall.error_rate, 0.0);
  EXPECT_FALSE(m->overall.response_time.avg_ms.has_value());
  EXPECT_TRUE(m->models.empty());
}

TEST_F(ReaderMetricsTest, TimeseriesBucketsEqualBruteForce) {
  for (const std::int64_t step : {kMinute, 5 * kMinute, kHour}) {
    check_timeseries(kHour0 + 90 * 1000 + 17, kHour0 + 4 * kHour + 1234, step);
  }
}

TEST_F(ReaderMetricsTest, RangesNearHourEdgesEqualBruteForce) {
  // Ends just past or just before an hour, so that the edges are read from the minute rollups,
  // and the same at minute edges with raw rows.
  check(kHour0 + kHour - kMinute + 1, kHour0 + 3 * kHour + kMinute - 1, std::nullopt);
  check(kHour0 + 29 * kMinute, kHour0 + 2 * kHour + 31 * kMinute, std::nullopt);
  check(kHour0 + 31 * kMinute - 1, kHour0 + kHour + 29 * kMinute + 1, std::nullopt);
  check(kHour0 + 59 * kMinute + 59999, kHour0 + 4 * kHour + 1, std::string("gpt-b"));
  check(kHour0 + 30 * kMinute, kHour0 + 90 * kMinute, std::nullopt);
}

TEST_F(ReaderMetricsTest, MaximumIsThatOfTheRangeEvenWhenALargerValueSharesItsHour) {
  // A slower request just before the range, in the same minute and hour as requests inside it.
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  const std::int64_t hour = kHour0 + 6 * kHour;
  std::vector<CompletionRequest> rows;
  for (const auto& [offset, ms] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {10'000, 9'000}, {40'000, 120}, {30 * kMinute, 300}, {59 * kMinute, 80}}) {
    CompletionRequest r = testing::full_record(static_cast<std::int64_t>(rows.size()) + 900,
                                               from_epoch_ms(hour + offset));
    r.response_time_ms = ms;
    rows.push_back(r);
  }
  ASSERT_THAT(writer->insert_batch(rows), IsOk());
  CompletionRequestsReader reader(*connection_);
  auto m = reader.metrics(TimeRange{from_epoch_ms(hour + 20'000), from_epoch_ms(hour + kHour)});
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->overall.requests, 3);
  EXPECT_EQ(m->overall.response_time.max_ms, 300);
  ASSERT_TRUE(m->overall.response_time.p99_ms.has_value());
  EXPECT_LE(*m->overall.response_time.p99_ms, 300.0);
}

TEST(TotalsFrom, CapsEveryPercentileEstimateAtTheObservedMaximum) {
  // One request of 8005 ms: its bucket (5 s, 10 s] alone would allow estimates up to 10 s.
  RollupValues values{};
  RollupInput slow;
  slow.success = true;
  slow.response_time_ms = 8005;
  slow.time_to_first_token_ms = 8005;
  slow.time_to_last_token_ms = 8005;
  add_request(values, slow);
  const UsageTotals t = totals_from(values);
  for (const LatencySummary* s :
       {&t.response_time, &t.time_to_first_token, &t.time_to_last_token}) {
    EXPECT_EQ(s->max_ms, 8005);
    for (const auto& estimate : {s->p50_ms, s->p95_ms, s->p99_ms}) {
      ASSERT_TRUE(estimate.has_value());
      EXPECT_LE(*estimate, 8005.0);
    }
  }
}

TEST(AddValues, CombinesMaximaByMaxAndEverythingElseBySum) {
  RollupValues a{};
  RollupValues b{};
  RollupInput fast;
  fast.response_time_ms = 40;
  RollupInput slow;
  slow.response_time_ms = 900;
  slow.time_to_first_token_ms = 70;
  add_request(a, slow);
  add_request(b, fast);
  add_request(b, fast);
  add_values(a, b);
  EXPECT_EQ(a[kRequests], 3);
  EXPECT_EQ(a[kResponseTimeSumMs], 980);
  EXPECT_EQ(a[kResponseTimeMaxMs], 900);
  EXPECT_EQ(a[kTtftMaxMs], 70);
  EXPECT_EQ(a[kTtltMaxMs], 0);
}

TEST_F(ReaderMetricsTest, TimeseriesRejectsBadSteps) {
  CompletionRequestsReader reader(*connection_);
  const TimeRange range{from_epoch_ms(kHour0), from_epoch_ms(kHour0 + 3600000)};
  EXPECT_THAT(reader.timeseries(range, std::chrono::milliseconds(0)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("whole number of minutes")));
  EXPECT_THAT(reader.timeseries(range, std::chrono::milliseconds(90000)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("whole number of minutes")));
  const TimeRange year{from_epoch_ms(kHour0), from_epoch_ms(kHour0 + 366LL * 24 * 3600000)};
  EXPECT_THAT(reader.timeseries(year, std::chrono::minutes(1)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("choose a larger step")));
}

// Three and a half days of traffic, written in batches that each span all of it, so that every
// day, hour and minute rollup row is upserted several times.
class ReaderMetricsAcrossDaysTest : public ReaderMetricsTest {
 protected:
  void SetUp() override {
    connection_ = testing::open_migrated(dir_.file("days.db"));
    ASSERT_NE(connection_, nullptr);
    auto writer = CompletionRequestsWriter::create(*connection_);
    ASSERT_THAT(writer, IsOk());
    for (std::uint32_t seed = 11; seed <= 14; ++seed) {
      auto batch = testing::sample_records(2500, from_epoch_ms(kDay0 - 5 * kHour),
                                           3 * kDay + 12 * kHour, seed);
      ASSERT_THAT(writer->insert_batch(batch), IsOk());
      records_.insert(records_.end(), batch.begin(), batch.end());
    }
  }
};

TEST_F(ReaderMetricsAcrossDaysTest, AlignedRangesEqualBruteForce) {
  check(kDay0, kDay0 + 2 * kDay, std::nullopt);
  check(kDay0 + kDay, kDay0 + 2 * kDay, std::string("gpt-b"));
  check(kDay0 - kHour, kDay0 + kDay + kHour, std::nullopt);
  check(kDay0 + 11 * kHour, kDay0 + kDay + 13 * kHour, std::nullopt);
  check(kDay0 - 2 * kDay, kDay0 + 5 * kDay, std::nullopt);
}

TEST_F(ReaderMetricsAcrossDaysTest, UnalignedRangesEqualBruteForce) {
  check(kDay0 - 3 * kHour + 12345, kDay0 + kDay + 5 * kHour + 777, std::nullopt);
  check(kDay0 + 13 * kHour + 1, kDay0 + 2 * kDay + 11 * kHour - 1, std::nullopt);
  check(kDay0 + 11 * kHour + 30 * kMinute + 59001, kDay0 + kDay + 12 * kHour + 29 * kMinute + 1,
        std::nullopt);
  check(kDay0 + 12 * kHour + 7, kDay0 + 3 * kDay + 12 * kHour - 7, std::string("llama-c"));
  check(kDay0 + kDay - 1, kDay0 + kDay + 1, std::nullopt);
  check(kDay0 + 23 * kHour + 59 * kMinute + 30000, kDay0 + 2 * kDay + 30000, std::nullopt);
}

TEST_F(ReaderMetricsAcrossDaysTest, TimeseriesBucketsEqualBruteForce) {
  const std::int64_t from = kDay0 - 2 * kHour + 90 * 1000 + 17;
  const std::int64_t to = kDay0 + 2 * kDay + 13 * kHour + 1234;
  for (const std::int64_t step : {15 * kMinute, kHour, 6 * kHour, kDay, 2 * kDay}) {
    check_timeseries(from, to, step);
  }
  check_timeseries(kDay0, kDay0 + 3 * kDay, kDay);
}

}  // namespace
}  // namespace safemig::dao
