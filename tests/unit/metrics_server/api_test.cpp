// The JSON API handlers without sockets: answers equal a brute-force SQL computation over the raw
// rows, paging through the cursor never repeats or skips a row, bad parameters get 400 saying
// what was expected, a database that cannot be read gets 503, other methods 405.
#include "safemig/metrics_server/api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

#include "metrics_test_db.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/metrics_server/service.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using testing::get;
using ::testing::HasSubstr;
using testing::sql_int;
using testing::sql_rows;

constexpr std::int64_t kT0 = 1795332600000;  // 2026-11-22T07:30:00Z
constexpr std::int64_t kSpan = 3 * 3'600'000;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::create_database(path_);
    auto records = testing::sample_records(600, kT0 - 45'000, kSpan, 7);
    // Ties on one timestamp, so that the cursor must order by id too.
    for (int i = 0; i < 5; ++i) {
      auto r = records[static_cast<std::size_t>(i)];
      r.request_id = "tie-" + std::to_string(i);
      r.timestamp = dao::from_epoch_ms(kT0 + 90'000);
      records.push_back(r);
    }
    testing::write_records(path_, records);
  }

  json::value body_of(const http::Response& response) { return json::parse(response.body()); }

  json::value ok(const http::Response& response) {
    EXPECT_EQ(response.result(), bhttp::status::ok) << response.body();
    EXPECT_EQ(response[bhttp::field::content_type], "application/json");
    return body_of(response);
  }

  void expect_bad_request(const http::Response& response, const std::string& message_part) {
    EXPECT_EQ(response.result(), bhttp::status::bad_request) << response.body();
    const json::value body = body_of(response);
    EXPECT_EQ(body.at("error").at("type").as_string(), "invalid_request_error");
    EXPECT_THAT(std::string(body.at("error").at("message").as_string()), HasSubstr(message_part));
  }

  ::safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("proxy.db");
  ReadOnlyDatabase database_{path_};
  const dao::TimePoint now_ = dao::from_epoch_ms(kT0 + kSpan);
  Api api_{database_, [this] { return now_; }};
};

// The range [from, to) as query parameters, edges off the minute so that raw rows are read.
std::string range_query(std::int64_t from, std::int64_t to) {
  return "start=" + std::to_string(from) + "&end=" + std::to_string(to);
}

TEST_F(ApiTest, MetricsEqualBruteForceOverTheRows) {
  const std::int64_t from = kT0 + 12'345, to = kT0 + 2 * 3'600'000 + 54'321;
  const json::value body = ok(api_.metrics(get("/api/v1/metrics?" + range_query(from, to))));
  const std::string where =
      " FROM completion_requests WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2";
  const std::vector<db::Value> p{from, to};
  const json::value& overall = body.at("overall");
  EXPECT_EQ(overall.at("requests").as_int64(), sql_int(path_, "SELECT count(*)" + where, p));
  EXPECT_GT(overall.at("requests").as_int64(), 100);
  EXPECT_EQ(overall.at("errors").as_int64(),
            sql_int(path_, "SELECT count(*)" + where + " AND success = 0", p));
  EXPECT_EQ(overall.at("prompt_tokens").as_int64(),
            sql_int(path_, "SELECT sum(prompt_tokens)" + where, p));
  EXPECT_EQ(overall.at("completion_tokens").as_int64(),
            sql_int(path_, "SELECT sum(completion_tokens)" + where, p));
  EXPECT_EQ(overall.at("response_time").at("sum_ms").as_int64(),
            sql_int(path_, "SELECT sum(response_time_ms)" + where, p));
  EXPECT_EQ(overall.at("time_to_first_token").at("count").as_int64(),
            sql_int(path_, "SELECT count(time_to_first_token_ms)" + where, p));
  EXPECT_EQ(overall.at("time_to_first_token").at("sum_ms").as_int64(),
            sql_int(path_, "SELECT sum(time_to_first_token_ms)" + where, p));
  EXPECT_EQ(body.at("streaming").at("requests").as_int64(),
            sql_int(path_, "SELECT count(*)" + where + " AND is_streaming = 1", p));
  EXPECT_EQ(body.at("range").at("start_ms").as_int64(), from);
  EXPECT_EQ(body.at("range").at("end").as_string(), dao::format_time(dao::from_epoch_ms(to)));

  std::int64_t histogram_total = 0;
  for (const auto& bucket : overall.at("response_time").at("histogram").as_array()) {
    histogram_total += bucket.at("count").as_int64();
  }
  EXPECT_EQ(histogram_total, overall.at("requests").as_int64());

  for (const db::Row& row : sql_rows(path_,
                                     "SELECT model, count(*), sum(success = 0), "
                                     "coalesce(sum(total_tokens), 0)" +
                                         where + " GROUP BY model",
                                     p)) {
    bool found = false;
    for (const auto& m : body.at("models").as_array()) {
      if (m.at("model").as_string() != row.text(0)) continue;
      found = true;
      EXPECT_EQ(m.at("requests").as_int64(), row.int64(1));
      EXPECT_EQ(m.at("errors").as_int64(), row.int64(2));
      EXPECT_EQ(m.at("total_tokens").as_int64(), row.int64(3));
    }
    EXPECT_TRUE(found) << row.text(0);
  }
  const auto endpoint_rows =
      sql_rows(path_,
               "SELECT endpoint, count(*), coalesce(sum(total_tokens), 0), max(response_time_ms)" +
                   where + " GROUP BY endpoint",
               p);
  ASSERT_EQ(endpoint_rows.size(), 3u);
  ASSERT_EQ(body.at("endpoints").as_array().size(), endpoint_rows.size());
  for (const db::Row& row : endpoint_rows) {
    bool found = false;
    for (const auto& e : body.at("endpoints").as_array()) {
      if (e.at("endpoint").as_string() != row.text(0)) continue;
      found = true;
      EXPECT_EQ(e.at("requests").as_int64(), row.int64(1));
      EXPECT_EQ(e.at("total_tokens").as_int64(), row.int64(2));
      EXPECT_EQ(e.at("response_time").at("max_ms").as_int64(), row.int64(3));
      EXPECT_LE(e.at("response_time").at("p99_ms").to_number<double>(),
                static_cast<double>(row.int64(3)));
    }
    EXPECT_TRUE(found) << row.text(0);
  }
  const auto check_counts = [&](std::string_view field, const std::string& column) {
    const auto rows = sql_rows(
        path_,
        "SELECT " + column + ", count(*)" + where + " AND " + column + " IS NOT NULL GROUP BY 1",
        p);
    EXPECT_EQ(body.at(field).as_object().size(), rows.size()) << field;
    for (const db::Row& row : rows) {
      const std::string key = column == "status_code" ? std::to_string(row.int64(0)) : row.text(0);
      EXPECT_EQ(body.at(field).at(key).as_int64(), row.int64(1)) << field << " " << key;
    }
  };
  check_counts("error_types", "error_type");
  check_counts("finish_reasons", "finish_reason");
  check_counts("status_codes", "status_code");
}

TEST_F(ApiTest, AnEmptyRangeHasNoErrorRateAndPlainDecimalNumbers) {
  const http::Response response = api_.metrics(get("/api/v1/metrics?start=0&end=1000"));
  const json::value body = ok(response);
  EXPECT_EQ(body.at("overall").at("requests").as_int64(), 0);
  EXPECT_TRUE(body.at("overall").at("error_rate").is_null());
  const http::Response all = api_.metrics(get("/api/v1/metrics?" + range_query(kT0, kT0 + kSpan)));
  EXPECT_GT(ok(all).at("overall").at("error_rate").as_double(), 0.0);
  EXPECT_THAT(all.body(), ::testing::Not(::testing::ContainsRegex("[0-9]E[-0-9]")));
}

TEST_F(ApiTest, MetricsOfOneModel) {
  const json::value body = ok(api_.metrics(get("/api/v1/metrics?model=model-1")));
  EXPECT_EQ(body.at("model").as_string(), "model-1");
  EXPECT_EQ(body.at("overall").at("requests").as_int64(),
            sql_int(path_,
                    "SELECT count(*) FROM completion_requests WHERE model = 'model-1' AND "
                    "timestamp_ms >= ?1 AND timestamp_ms < ?2",
                    {kT0 + kSpan - 86'400'000, kT0 + kSpan}));
  ASSERT_EQ(body.at("models").as_array().size(), 1u);
}

TEST_F(ApiTest, TimeseriesBucketsEqualBruteForce) {
  const std::int64_t from = kT0 - 30'000, to = kT0 + kSpan;
  const json::value body =
      ok(api_.timeseries(get("/api/v1/timeseries?step=15m&" + range_query(from, to))));
  EXPECT_EQ(body.at("step_seconds").as_int64(), 900);
  const auto& buckets = body.at("buckets").as_array();
  ASSERT_EQ(buckets.size(), 13u);  // A partial first bucket, then 12 whole ones.
  EXPECT_EQ(buckets.front().at("start_ms").as_int64(), from);
  EXPECT_EQ(buckets.back().at("end_ms").as_int64(), to);
  for (const auto& b : buckets) {
    const std::vector<db::Value> p{b.at("start_ms").as_int64(), b.at("end_ms").as_int64()};
    const std::string where =
        " FROM completion_requests WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2";
    EXPECT_EQ(b.at("requests").as_int64(), sql_int(path_, "SELECT count(*)" + where, p));
    EXPECT_EQ(b.at("errors").as_int64(),
              sql_int(path_, "SELECT count(*)" + where + " AND success = 0", p));
    EXPECT_EQ(b.at("total_tokens").as_int64(),
              sql_int(path_, "SELECT sum(total_tokens)" + where, p));
  }
}

TEST_F(ApiTest, TimeseriesDefaultStepFollowsTheRange) {
  const json::value body = ok(api_.timeseries(get("/api/v1/timeseries")));
  EXPECT_EQ(body.at("step_seconds").as_int64(), 300);
  EXPECT_EQ(body.at("buckets").as_array().size(), 288u);
}

TEST_F(ApiTest, PagingThroughTheCursorVisitsEveryRowOnce) {
  const std::int64_t from = kT0, to = kT0 + 3'600'000;
  std::vector<std::int64_t> seen;
  std::string target = "/api/v1/requests?limit=7&" + range_query(from, to);
  for (int pages = 0; pages < 1000; ++pages) {
    const json::value body = ok(api_.requests(get(target)));
    EXPECT_LE(body.at("count").as_int64(), 7);
    for (const auto& r : body.at("requests").as_array()) seen.push_back(r.at("id").as_int64());
    if (body.at("next_cursor").is_null()) break;
    target = "/api/v1/requests?limit=7&" + range_query(from, to) +
             "&cursor=" + std::string(body.at("next_cursor").as_string());
  }
  std::vector<std::int64_t> expected;
  for (const db::Row& row : sql_rows(path_,
                                     "SELECT id FROM completion_requests WHERE timestamp_ms >= ?1 "
                                     "AND timestamp_ms < ?2 ORDER BY timestamp_ms DESC, id DESC",
                                     {from, to})) {
    expected.push_back(row.int64(0));
  }
  EXPECT_GT(expected.size(), 50u);
  EXPECT_EQ(seen, expected);
}

TEST_F(ApiTest, RequestRecordsCarryEveryColumn) {
  const json::value body = ok(api_.requests(get("/api/v1/requests?limit=1&order=asc&start=0")));
  ASSERT_EQ(body.at("requests").as_array().size(), 1u);
  const json::object& r = body.at("requests").at(0).as_object();
  const auto row = sql_rows(path_,
                            "SELECT id, request_id, timestamp_ms, model, response_time_ms, "
                            "endpoint FROM completion_requests ORDER BY timestamp_ms, id LIMIT 1");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(r.at("id").as_int64(), row[0].int64(0));
  EXPECT_EQ(r.at("request_id").as_string(), row[0].text(1));
  EXPECT_EQ(r.at("timestamp_ms").as_int64(), row[0].int64(2));
  EXPECT_EQ(r.at("timestamp").as_string(), dao::format_time(dao::from_epoch_ms(row[0].int64(2))));
  EXPECT_EQ(r.at("model").as_string(), row[0].text(3));
  EXPECT_EQ(r.at("response_time_ms").as_int64(), row[0].int64(4));
  EXPECT_EQ(r.at("endpoint").as_string(), row[0].text(5));
  for (const char* field : {"success", "status_code", "is_streaming", "time_to_first_token_ms",
                            "prompt_tokens", "completion_tokens", "total_tokens", "finish_reason",
                            "error_type", "origin", "tokens_per_second", "message_count"}) {
    EXPECT_TRUE(r.contains(field)) << field;
  }
  EXPECT_EQ(body.at("order").as_string(), "asc");
}

TEST_F(ApiTest, EveryBadParameterIs400SayingWhatWasExpected) {
  expect_bad_request(api_.metrics(get("/api/v1/metrics?start=noon")), "invalid start");
  expect_bad_request(api_.metrics(get("/api/v1/metrics?end=2026-13-01T00:00:00Z")), "invalid end");
  expect_bad_request(api_.metrics(get("/api/v1/metrics?start=2&end=1")), "expected start <= end");
  expect_bad_request(api_.metrics(get("/api/v1/metrics?model=")), "expected a model name");
  expect_bad_request(api_.metrics(get("/api/v1/metrics?limit=5")),
                     "expected only start, end, model");
  expect_bad_request(api_.requests(get("/api/v1/requests?limit=0")), "from 1 to 1000");
  expect_bad_request(api_.requests(get("/api/v1/requests?limit=abc")), "from 1 to 1000");
  expect_bad_request(api_.requests(get("/api/v1/requests?cursor=not-a-cursor")), "cursor");
  expect_bad_request(api_.requests(get("/api/v1/requests?order=sideways")), "expected desc");
  expect_bad_request(api_.requests(get("/api/v1/requests?step=5m")),
                     "expected only start, end, model, limit, cursor, order");
  expect_bad_request(api_.timeseries(get("/api/v1/timeseries?step=90s")),
                     "a positive whole number of minutes");
  expect_bad_request(api_.timeseries(get("/api/v1/timeseries?step=1m&start=0")),
                     "choose a larger step");
  expect_bad_request(api_.timeseries(get("/api/v1/timeseries?limit=1")),
                     "expected only start, end, step, model");
  expect_bad_request(api_.timeseries(get("/api/v1/timeseries?start=1&start=2")), "more than once");
}

TEST(ApiWithoutDatabase, AnswersServiceUnavailable) {
  ::safemig::testing::TempDir dir;
  ReadOnlyDatabase database(dir.file("missing.db"));
  Api api(database, system_now);
  const http::Response response = api.metrics(get("/api/v1/metrics"));
  EXPECT_EQ(response.result(), bhttp::status::service_unavailable);
  EXPECT_THAT(response.body(), HasSubstr("database_unavailable"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db"))) << "a reader must not create it";
}

// A database the proxy has not migrated yet is the server's condition, not a bad request.
TEST(ApiOnAnOlderSchema, EveryReadAnswersSchemaMismatch) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("old.db");
  testing::create_database(path, 1);
  ReadOnlyDatabase database(path);
  MetricsService service(database, ServiceConfig{});
  const auto router = service.router();
  for (const char* target :
       {"/api/v1/requests", "/api/v1/metrics", "/api/v1/timeseries", "/metrics"}) {
    SCOPED_TRACE(target);
    const http::Response response = router->respond(get(target), http::RequestContext{});
    EXPECT_EQ(response.result(), bhttp::status::service_unavailable);
    EXPECT_THAT(response.body(), HasSubstr("\"type\":\"schema_mismatch\""));
    EXPECT_THAT(response.body(), HasSubstr("is at schema version 1 and this server reads version"));
  }
}

// A database at the right version whose tables were altered by hand: the server's own queries
// fail, which is the server's condition (500 database_error), not a bad request.
TEST(ApiOnADatabaseMissingATable, AnswersDatabaseErrorNotBadRequest) {
  ::safemig::testing::TempDir dir;
  const std::string path = dir.file("altered.db");
  testing::create_database(path);
  {
    auto connection = db::open_sqlite(path, db::SqliteOptions{});
    ASSERT_TRUE(connection.has_value()) << connection.error().describe();
    // Every rollup table: which of them a range reads depends on where its edges fall.
    ASSERT_TRUE((*connection)
                    ->execute_script("DROP TABLE completion_rollups_minute; "
                                     "DROP TABLE completion_rollups_hour; "
                                     "DROP TABLE completion_rollups_day")
                    .has_value());
  }
  ReadOnlyDatabase database(path);
  MetricsService service(database, ServiceConfig{});
  const auto router = service.router();
  for (const char* target : {"/api/v1/metrics", "/api/v1/timeseries", "/metrics"}) {
    SCOPED_TRACE(target);
    const http::Response response = router->respond(get(target), http::RequestContext{});
    EXPECT_EQ(response.result(), bhttp::status::internal_server_error);
    const json::value body = json::parse(response.body());
    EXPECT_EQ(body.at("error").at("type").as_string(), "database_error");
    const std::string message(body.at("error").at("message").as_string());
    EXPECT_THAT(message, HasSubstr("no such table: completion_rollups_"));
    EXPECT_THAT(message, HasSubstr("safemig verify"));
    EXPECT_THAT(message, ::testing::Not(HasSubstr("fix the SQL statement")));
  }
}

TEST(ApiOnADirectory, AnswersServiceUnavailable) {
  ::safemig::testing::TempDir dir;
  ReadOnlyDatabase database(dir.path().string());
  Api api(database, system_now);
  const http::Response response = api.requests(get("/api/v1/requests"));
  EXPECT_EQ(response.result(), bhttp::status::service_unavailable);
  EXPECT_THAT(response.body(), HasSubstr("database_unavailable"));
  EXPECT_THAT(response.body(), HasSubstr("is a directory"));
}

TEST_F(ApiTest, RouterAnswers405ForOtherMethodsAnd404ForUnknownPaths) {
  MetricsService service(database_, ServiceConfig{});
  const auto router = service.router();
  for (const char* path :
       {"/api/v1/requests", "/api/v1/metrics", "/api/v1/timeseries", "/metrics", "/healthz", "/"}) {
    http::Request request(bhttp::verb::post, path, 11);
    const http::Response response = router->respond(request, http::RequestContext{});
    EXPECT_EQ(response.result(), bhttp::status::method_not_allowed) << path;
    EXPECT_THAT(std::string(response[bhttp::field::allow]), HasSubstr("GET")) << path;
  }
  const http::Response missing = router->respond(get("/api/v2/metrics"), http::RequestContext{});
  EXPECT_EQ(missing.result(), bhttp::status::not_found);
  const http::Response metrics =
      router->respond(get("/api/v1/metrics?model=model-0"), http::RequestContext{});
  EXPECT_EQ(metrics.result(), bhttp::status::ok);
}

}  // namespace
}  // namespace safemig::metrics_server
