// Tests of /healthz and /metrics bodies, the proxy's counters and the command line.
#include "safemig/proxy/status_endpoints.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <vector>

#include "safemig/proxy/command_line.h"

namespace safemig::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HealthBodyTest, OkWhenTheDatabaseIsAvailable) {
  RecorderStats stats;
  stats.database_available = true;
  stats.rows_written = 5;
  stats.rows_replayed = 2;
  const auto body = health_body(4, 4, stats);
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_EQ(body.at("schema_version"), 4);
  EXPECT_EQ(body.at("recorder").at("rows_written"), 7);
}

TEST(HealthBodyTest, DegradedWhenSpillingOrDropping) {
  RecorderStats stats;
  stats.database_available = false;
  EXPECT_EQ(health_body(4, 4, stats).at("status"), "degraded");
  stats.database_available = true;
  stats.rows_dropped = 1;
  EXPECT_EQ(health_body(-1, 4, stats).at("status"), "degraded");
  EXPECT_TRUE(health_body(-1, 4, stats).at("schema_version").is_null());
}

TEST(HealthBodyTest, DegradedWhileAWriteWaitsForTheDatabase) {
  RecorderStats stats;
  stats.database_available = true;
  stats.write_in_progress = std::chrono::milliseconds(999);
  EXPECT_EQ(health_body(4, 4, stats).at("status"), "ok");
  stats.write_in_progress = kStalledWrite;
  const auto body = health_body(4, 4, stats);
  EXPECT_EQ(body.at("status"), "degraded");
  EXPECT_EQ(body.at("recorder").at("write_in_progress_ms"), 1000);
}

TEST(RenderMetricsTest, HasEveryFamily) {
  ProxyMetrics metrics;
  metrics.request_started();
  metrics.request_started();
  metrics.request_finished(Outcome::success, std::chrono::microseconds(300));
  RecorderStats stats;
  stats.queue_depth = 3;
  stats.write_in_progress = std::chrono::milliseconds(2500);
  stats.rows_written = 10;
  stats.rows_spilled = 1;
  stats.batches = 2;
  stats.batch_duration_buckets = {0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  stats.batch_duration_count = 2;
  const std::string text = render_metrics(metrics.snapshot(), stats);
  EXPECT_THAT(text, HasSubstr("llm_proxy_in_flight_requests 1\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_forwarded_total{outcome=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_overhead_seconds_bucket{le=\"0.00025\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_overhead_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_overhead_seconds_count 1\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_queue_depth 3\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_write_in_progress_seconds 2.5\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_rows_written_total 10\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_rows_spilled_total 1\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_rows_dropped_total 0\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_write_errors_total 0\n"));
  EXPECT_THAT(text,
              HasSubstr("llm_proxy_recorder_batch_duration_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("llm_proxy_recorder_batch_duration_seconds_bucket{le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("llm_proxy_recorder_batch_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
}

TEST(OutcomeTest, FromFailureAndStatus) {
  EXPECT_EQ(outcome_of(Failure::none, 200), Outcome::success);
  EXPECT_EQ(outcome_of(Failure::none, 429), Outcome::upstream_error);
  EXPECT_EQ(outcome_of(Failure::upstream_timeout, 0), Outcome::upstream_timeout);
  EXPECT_EQ(outcome_of(Failure::client_disconnect, 200), Outcome::client_disconnect);
  EXPECT_EQ(outcome_of(Failure::proxy_overloaded, 0), Outcome::proxy_overloaded);
  EXPECT_EQ(to_string(Outcome::proxy_overloaded), "proxy_overloaded");
}

CommandLine parse(std::vector<const char*> args) {
  args.insert(args.begin(), "metrics-proxy");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(CommandLineTest, ParsesEveryFlag) {
  const CommandLine c = parse({"--db", "/tmp/x.db", "--listen", "127.0.0.1:0", "--upstream",
                               "https://api.x.com/v1", "--migrate", "check", "--upstream-timeout",
                               "1.5", "--shutdown-timeout", "3", "--bodies-in-flight-mib", "64"});
  ASSERT_TRUE(c.options.has_value()) << c.message;
  EXPECT_EQ(c.options->db_path, "/tmp/x.db");
  EXPECT_EQ(c.options->listen.port, 0);
  EXPECT_TRUE(c.options->upstream.tls);
  EXPECT_EQ(c.options->migrate, MigrateMode::check);
  EXPECT_EQ(c.options->upstream_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.options->shutdown_timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(c.options->bodies_in_flight_limit, std::size_t{64} * 1024 * 1024);
}

TEST(CommandLineTest, ErrorMessagesAreRedactedUnlessTurnedOff) {
  const CommandLine defaults = parse({"--db", "x", "--upstream", "http://h"});
  ASSERT_TRUE(defaults.options.has_value()) << defaults.message;
  EXPECT_EQ(defaults.options->error_messages, ErrorMessages::redacted);
  const CommandLine off = parse({"--db", "x", "--upstream", "http://h", "--error-messages", "off"});
  ASSERT_TRUE(off.options.has_value()) << off.message;
  EXPECT_EQ(off.options->error_messages, ErrorMessages::off);
  const CommandLine verbatim =
      parse({"--db", "x", "--upstream", "http://h", "--error-messages", "verbatim"});
  EXPECT_EQ(verbatim.exit_code, 2);
  EXPECT_THAT(verbatim.message, HasSubstr("--error-messages"));
}

TEST(CommandLineTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(parse({"--db", "x", "--upstream", "http://h", "--migrate", "maybe"}).exit_code, 2);
  EXPECT_EQ(parse({"--db", "x", "--upstream", "ftp://h"}).exit_code, 2);
  EXPECT_EQ(parse({"--db", "x", "--upstream", "http://h", "--listen", "nowhere"}).exit_code, 2);
  EXPECT_EQ(parse({"--db", "x", "--upstream", "http://h", "--bogus"}).exit_code, 2);
  EXPECT_EQ(parse({"--db", "x", "--upstream", "http://h", "--bodies-in-flight-mib", "0"}).exit_code,
            2);
  EXPECT_EQ(parse({"--db", "x", "--upstream", "http://h", "--upstream-timeout", "0"}).exit_code, 2);
  const CommandLine empty_db = parse({"--db", "", "--upstream", "http://h"});
  EXPECT_EQ(empty_db.exit_code, 2);
  EXPECT_THAT(empty_db.message, HasSubstr("--db: the database path is empty"));
  const CommandLine help = parse({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.message, HasSubstr("--upstream"));
  EXPECT_FALSE(help.options.has_value());
}

TEST(CommandLineTest, SpillDirIsPassedOnAndEmptyByDefault) {
  const CommandLine plain = parse({"--db", "x", "--upstream", "http://h"});
  ASSERT_TRUE(plain.options.has_value()) << plain.message;
  EXPECT_EQ(plain.options->spill_dir, "");
  const CommandLine c = parse({"--db", "x", "--upstream", "http://h", "--spill-dir", "/spill"});
  ASSERT_TRUE(c.options.has_value()) << c.message;
  EXPECT_EQ(c.options->spill_dir, "/spill");
}

TEST(CommandLineTest, MissingUpstreamNamesTheEnvironmentVariable) {
  const CommandLine c = parse({"--db", "x"});
  if (std::getenv("UPSTREAM_BASE_URL") != nullptr) GTEST_SKIP() << "UPSTREAM_BASE_URL is set";
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_THAT(c.message, HasSubstr("--upstream"));
  EXPECT_THAT(c.message, Not(HasSubstr("terminate")));
}

}  // namespace
}  // namespace safemig::proxy
