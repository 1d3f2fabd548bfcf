// End-to-end: the real `metrics-server` binary on port 0 over a database another thread keeps
// writing into. It keeps serving, its counts only grow and finally equal the rows written, a row
// committed long after its timestamp is counted by the next /metrics scrape, it opens the
// database file read-only, /healthz reports the schema version, a request body is refused unread,
// an HTTP/1.1 request without Host is 400, bad flags exit 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "metrics_test_db.h"
#include "safemig/app/history.h"
#include "safemig/db/sqlite_connection.h"
#include "server_process.h"
#include "support/temp_dir.h"

namespace safemig::metrics_server {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1795332600000;

// The value of the sample `name` (with its labels) in a Prometheus exposition, or -1.
double sample_value(const std::string& text, const std::string& name) {
  const std::string prefix = name + " ";
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (text.compare(at, prefix.size(), prefix) == 0) {
      return std::stod(text.substr(at + prefix.size(), end - at - prefix.size()));
    }
    at = end + 1;
  }
  return -1;
}

class MetricsServerE2E : public ::testing::Test {
 protected:
  void SetUp() override { testing::create_database(path_); }

  std::unique_ptr<testing::ServerProcess> start() {
    auto server = testing::ServerProcess::start(METRICS_SERVER_BINARY,
                                                {"--db", path_, "--listen", "127.0.0.1:0"});
    EXPECT_NE(server->port(), 0) << server->output();
    return server;
  }

  ::safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("proxy.db");
};

TEST_F(MetricsServerE2E, KeepsServingWhileTheWriterInserts) {
  testing::write_records(path_, testing::sample_records(100, kT0, 3'600'000, 1));
  auto server = start();
  ASSERT_NE(server->port(), 0);
  constexpr int kBatches = 40, kBatchSize = 25;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kBatches; ++i) {
      testing::write_records(path_, testing::sample_records(kBatchSize, kT0, 3'600'000,
                                                            static_cast<std::uint32_t>(100 + i)));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    done = true;
  });
  const std::string range =
      "start=" + std::to_string(kT0) + "&end=" + std::to_string(kT0 + 3'600'000);
  std::int64_t last = 0;
  int queries = 0;
  while (!done || queries < 3) {
    const auto metrics = testing::http_get(server->port(), "/api/v1/metrics?" + range);
    if (metrics.status != 200) {
      ADD_FAILURE() << metrics.status << " " << metrics.body;
      break;
    }
    const std::int64_t requests =
        boost::json::parse(metrics.body).at("overall").at("requests").as_int64();
    EXPECT_GE(requests, last);
    last = requests;
    EXPECT_EQ(testing::http_get(server->port(), "/metrics").status, 200);
    EXPECT_EQ(testing::http_get(server->port(), "/api/v1/requests?limit=50&" + range).status, 200);
    EXPECT_EQ(testing::http_get(server->port(), "/api/v1/timeseries?step=5m&" + range).status, 200);
    ++queries;
  }
  writer.join();
  const auto final_metrics = testing::http_get(server->port(), "/api/v1/metrics?" + range);
  ASSERT_EQ(final_metrics.status, 200) << final_metrics.body;
  EXPECT_EQ(boost::json::parse(final_metrics.body).at("overall").at("requests").as_int64(),
            100 + kBatches * kBatchSize);
  EXPECT_EQ(testing::sql_int(path_, "SELECT count(*) FROM completion_requests"),
            100 + kBatches * kBatchSize);
  EXPECT_EQ(server->stop(), 0);
}

TEST_F(MetricsServerE2E, TokenUsageCountsARowCommittedLongAfterItsTimestamp) {
  testing::write_records(path_, testing::sample_records(200, kT0, 3'600'000, 7));
  auto server = start();
  ASSERT_NE(server->port(), 0);
  // /metrics leaves the token usage out until the rows stored before the start are folded.
  bool ready = false;
  for (int i = 0; i < 500 && !ready; ++i) {
    const auto health = testing::http_get(server->port(), "/healthz");
    ASSERT_EQ(health.status, 200) << health.body;
    ready = boost::json::parse(health.body).at("token_usage_ready").as_bool();
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(ready) << "the stored rows were not folded within 10 s";
  const std::string input_count =
      "gen_ai_client_token_usage_count{gen_ai_request_model=\"model-0\","
      "gen_ai_token_type=\"input\"}";
  const auto before = testing::http_get(server->port(), "/metrics");
  ASSERT_EQ(before.status, 200) << before.body;
  const double counted = sample_value(before.body, input_count);
  ASSERT_GT(counted, 0) << before.body;

  // Committed after that scrape, timestamped two days before it (a spill-journal replay).
  dao::CompletionRequest late;
  late.timestamp = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - std::chrono::hours(48));
  late.request_id = "late-1";
  late.success = true;
  late.status_code = 200;
  late.response_time_ms = 250;
  late.model = "model-0";
  late.prompt_tokens = 9;
  late.completion_tokens = 4;
  testing::write_records(path_, {late});

  const auto after = testing::http_get(server->port(), "/metrics");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(sample_value(after.body, input_count), counted + 1);
  EXPECT_EQ(
      sample_value(after.body, input_count),
      static_cast<double>(testing::sql_int(
          path_, "SELECT count(prompt_tokens) FROM completion_requests WHERE model = 'model-0'")));
  EXPECT_EQ(server->stop(), 0);
}

TEST_F(MetricsServerE2E, OpensTheDatabaseFileReadOnly) {
  auto server = start();
  ASSERT_NE(server->port(), 0);
  ASSERT_EQ(testing::http_get(server->port(), "/api/v1/metrics").status, 200);
  const std::string proc = "/proc/" + std::to_string(server->pid());
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (ec || target.string() != path_) continue;
    std::ifstream info(proc + "/fdinfo/" + entry.path().filename().string());
    std::string key, flags;
    while (info >> key) {
      if (key == "flags:") {
        info >> flags;
        break;
      }
    }
    const int mode = std::stoi(flags, nullptr, 8) & 03;
    EXPECT_EQ(mode, 0) << target << " is open with flags " << flags << " (not O_RDONLY)";
    ++checked;
  }
  EXPECT_GE(checked, 1) << "the server has no open descriptor of " << path_;
}

// A request waiting on a locked database holds one serving thread; the dashboard's files are
// served by another meanwhile.
TEST_F(MetricsServerE2E, DashboardIsServedWhileARequestWaitsOnALockedDatabase) {
  auto locker = db::open_sqlite(path_);
  ASSERT_TRUE(locker.has_value()) << locker.error().describe();
  // An exclusive locking mode keeps even WAL readers out until the transaction ends. It is taken
  // before the server opens the database: an open WAL reader would keep it from being taken.
  ASSERT_TRUE(
      (*locker)->execute_script("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                                "SELECT count(*) FROM completion_requests;"));
  auto server = start();
  ASSERT_NE(server->port(), 0);
  std::atomic<bool> api_answered{false};
  int api_status = 0;
  std::thread api([&] {
    api_status = testing::http_get(server->port(), "/api/v1/metrics").status;
    api_answered = true;
  });
  // The API request now waits for the lock, up to the server's busy timeout (2 s).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto page = testing::http_get(server->port(), "/");
  const bool api_was_waiting = !api_answered.load();
  api.join();
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(api_was_waiting) << "the dashboard was answered only after the locked request";
  EXPECT_EQ(api_status, 503) << "busy past the timeout";
  ASSERT_TRUE((*locker)->execute_script("COMMIT"));
  EXPECT_EQ(server->stop(), 0);
}

TEST_F(MetricsServerE2E, HealthzReportsTheSchemaVersion) {
  auto server = start();
  ASSERT_NE(server->port(), 0);
  const auto reply = testing::http_get(server->port(), "/healthz");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = boost::json::parse(reply.body);
  EXPECT_EQ(body.at("schema_version").as_int64(), app::kLatestVersion);
  EXPECT_TRUE(body.at("schema_up_to_date").as_bool());
  EXPECT_EQ(testing::http_get(server->port(), "/api/v1/metrics?bogus=1").status, 400);
}

// The client sends a head announcing 30 MB and never the body: an answer proves the server did
// not wait for it. A method the path does not serve is the client's error whatever the body;
// a GET with a body is 413 (the server takes none).
TEST_F(MetricsServerE2E, RefusesARequestBodyWithoutReadingIt) {
  auto server = start();
  ASSERT_NE(server->port(), 0);
  const auto post = testing::http_exchange(
      server->port(),
      "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 30000000\r\n\r\n");
  EXPECT_EQ(post.status, 405) << post.body;
  EXPECT_THAT(post.headers, HasSubstr("Allow: GET, HEAD"));
  const auto get_with_body = testing::http_exchange(
      server->port(),
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 30000000\r\n\r\n");
  EXPECT_EQ(get_with_body.status, 413) << get_with_body.body;
  EXPECT_THAT(get_with_body.body, HasSubstr("takes no request body"));
}

TEST_F(MetricsServerE2E, Http11RequestWithoutHostIs400) {
  auto server = start();
  ASSERT_NE(server->port(), 0);
  const auto reply = testing::http_exchange(server->port(), "GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("Host header"));
  EXPECT_EQ(testing::http_exchange(server->port(), "GET /healthz HTTP/1.0\r\n\r\n").status, 200);
}

TEST_F(MetricsServerE2E, ServesBeforeTheDatabaseExistsAndRecovers) {
  const std::string later = dir_.file("later.db");
  auto server = testing::ServerProcess::start(METRICS_SERVER_BINARY,
                                              {"--db", later, "--listen", "127.0.0.1:0"});
  ASSERT_NE(server->port(), 0) << server->output();
  EXPECT_EQ(testing::http_get(server->port(), "/healthz").status, 503);
  EXPECT_FALSE(std::filesystem::exists(later));
  testing::create_database(later);
  EXPECT_EQ(testing::http_get(server->port(), "/healthz").status, 200);
}

TEST(MetricsServerCommandLine, BadFlagsExitWith2) {
  const auto bogus = testing::run_command({METRICS_SERVER_BINARY, "--db", "x.db", "--bogus"});
  EXPECT_EQ(bogus.exit_code, 2) << bogus.output;
  const auto bad_listen =
      testing::run_command({METRICS_SERVER_BINARY, "--db", "x.db", "--listen", "nowhere"});
  EXPECT_EQ(bad_listen.exit_code, 2) << bad_listen.output;
}

}  // namespace
}  // namespace safemig::metrics_server
