// End-to-end tests of the proxy's life: startup migration and its failures, the single-writer
// lock, and SIGTERM under load losing no row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "proxy_fixture.h"
#include "safemig/app/history.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/db/writer_lock.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "support/database_snapshot.h"

namespace safemig::testing {
namespace {

using ::testing::HasSubstr;

class ProxyLifecycleTest : public ProxyTest {
 protected:
  // Brings db_ to `version` (default: the latest) with the application's history, as
  // `safemig migrate` does.
  void migrate_database(std::optional<int> version = std::nullopt) {
    auto set = app::application_history();
    ASSERT_TRUE(set.has_value());
    migrate::ManagerOptions options;
    options.db_path = db_;
    auto manager = migrate::SafeMigrationManager::open(*set, options);
    ASSERT_TRUE(manager.has_value()) << manager.error().describe();
    auto report = (*manager)->migrate(version);
    ASSERT_TRUE(report.has_value()) << report.error().describe();
  }
};

TEST_F(ProxyLifecycleTest, CreatesAndMigratesAFreshDatabase) {
  FakeUpstream& upstream = start_upstream();
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  EXPECT_THAT(http_request(proxy->port(), "GET", "/healthz").body,
              HasSubstr("\"schema_version\":" + std::to_string(app::kLatestVersion)));
  stop(*proxy);
  EXPECT_EQ(count_rows(db_, "completion_requests"), 0);
}

TEST_F(ProxyLifecycleTest, SigtermDuringLoadLosesNoRow) {
  FakeUpstreamOptions options;
  options.token_delay = std::chrono::milliseconds(5);
  options.tokens = 10;
  options.threads = 2;
  FakeUpstream& upstream = start_upstream(options);
  auto proxy = start_proxy(upstream.base_url());
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();

  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0;; ++i) {
        const bool stream = (i + c) % 2 == 0;
        const std::string body = std::string(R"({"model":"load","stream":)") +
                                 (stream ? "true" : "false") +
                                 R"(,"messages":[{"role":"user","content":"x"}]})";
        const HttpReply reply = http_request(proxy->port(), "POST", "/v1/chat/completions", body,
                                             {{"Content-Type", "application/json"}});
        if (reply.status == 0) return;  // The proxy stopped accepting.
        ++answered;
      }
    });
  }
  ASSERT_TRUE(upstream.wait_for_requests(60, std::chrono::seconds(30)));
  proxy->signal(SIGTERM);
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(proxy->wait(), 0) << proxy->stderr_text();
  EXPECT_GE(answered.load(), 60);
  EXPECT_EQ(count_rows(db_, "completion_requests"), answered.load());
}

// Requests still running at the shutdown timeout are ended, not dropped: one waiting for its
// response head is answered 503, and a stream's record keeps what the stream showed.
TEST_F(ProxyLifecycleTest, ShutdownTimeoutEndsRequestsWithAnAnswerAndTheirPartialRecord) {
  FakeUpstreamOptions slow;
  slow.token_delay = std::chrono::milliseconds(100);
  FakeUpstream& upstream = start_upstream(slow);
  auto proxy = start_proxy(upstream.base_url(), {"--shutdown-timeout", "0.5"});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  const Headers json = {{"Content-Type", "application/json"}};
  HttpReply waiting;
  std::thread waiting_client([&] {
    Headers headers = json;
    headers.emplace_back("X-Fake-Delay-Ms", "20000");
    waiting = http_request(proxy->port(), "POST", "/v1/chat/completions",
                           R"({"model":"m","messages":[{"role":"user","content":"x"}]})", headers);
  });
  std::thread streaming_client([&] {
    Headers headers = json;
    headers.emplace_back("X-Fake-Tokens", "200");  // 20 s of tokens.
    http_request(proxy->port(), "POST", "/v1/chat/completions",
                 R"({"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]})",
                 headers);
  });
  ASSERT_TRUE(upstream.wait_for_requests(2, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // A few tokens stream.
  proxy->signal(SIGTERM);
  waiting_client.join();
  streaming_client.join();
  EXPECT_EQ(proxy->wait(), 0) << proxy->stderr_text();
  EXPECT_EQ(waiting.status, 503) << waiting.error;
  EXPECT_THAT(waiting.body, HasSubstr("\"type\":\"proxy_shutdown\""));
  const auto rows = read_rows(db_);
  ASSERT_EQ(rows.size(), 2u);
  for (const StoredRow& row : rows) {
    EXPECT_EQ(row.error_type, "proxy_shutdown");
    EXPECT_FALSE(row.success);
    EXPECT_LT(row.response_time_ms, 10000);
    if (row.is_streaming) {
      EXPECT_TRUE(row.ttft_ms.has_value()) << "the stream's first token was relayed";
    } else {
      EXPECT_EQ(row.status_code, 503);
    }
  }
}

TEST_F(ProxyLifecycleTest, DatabaseLockedByAnotherWriterIsAClearError) {
  migrate_database();
  auto lock = db::WriterLock::acquire(db_, "e2e-holder");
  ASSERT_TRUE(lock.has_value()) << lock.error().describe();
  FakeUpstream& upstream = start_upstream();
  auto proxy = start_proxy(upstream.base_url());
  EXPECT_FALSE(proxy->ready());
  EXPECT_EQ(proxy->wait(), 1);
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("pid " + std::to_string(::getpid())));
}

TEST_F(ProxyLifecycleTest, FileThatIsNotADatabaseIsLeftUntouched) {
  std::string garbage;
  for (int i = 0; i < 200; ++i)
    garbage += "this is not a SQLite database, line " + std::to_string(i) + "\n";
  write_file(db_, garbage);
  FakeUpstream& upstream = start_upstream();
  auto proxy = start_proxy(upstream.base_url());
  EXPECT_FALSE(proxy->ready());
  const auto code = proxy->wait();
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_EQ(read_file(db_), garbage);
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("cannot start"));
}

TEST_F(ProxyLifecycleTest, EditedAppliedStepBlocksStartupAndLeavesTheDatabaseAsItWas) {
  migrate_database();
  {
    auto connection = db::open_sqlite(db_);
    ASSERT_TRUE(connection.has_value());
    ASSERT_TRUE((*connection)
                    ->execute("UPDATE _safemig_history SET checksum = 'edited' WHERE version = 2")
                    .has_value());
  }
  const std::string before = read_file(db_);
  const std::string snapshot = database_snapshot(db_);
  FakeUpstream& upstream = start_upstream();
  for (const char* mode : {"auto", "check"}) {
    auto proxy = start_proxy(upstream.base_url(), {"--migrate", mode});
    EXPECT_FALSE(proxy->ready()) << mode;
    const auto code = proxy->wait();
    ASSERT_TRUE(code.has_value());
    EXPECT_NE(*code, 0) << mode;
    EXPECT_THAT(proxy->stderr_text(), HasSubstr("differ")) << mode;
  }
  EXPECT_EQ(read_file(db_), before);
  EXPECT_EQ(database_snapshot(db_), snapshot);
}

TEST_F(ProxyLifecycleTest, CheckModeRefusesAnOldDatabaseAndAcceptsTheLatest) {
  FakeUpstream& upstream = start_upstream();
  auto missing = start_proxy(upstream.base_url(), {"--migrate", "check"});
  EXPECT_FALSE(missing->ready());
  EXPECT_EQ(missing->wait(), 1);
  EXPECT_THAT(missing->stderr_text(), HasSubstr("does not exist"));

  migrate_database(2);
  const std::string before = read_file(db_);
  auto refused = start_proxy(upstream.base_url(), {"--migrate", "check"});
  EXPECT_FALSE(refused->ready());
  EXPECT_EQ(refused->wait(), 1);
  EXPECT_THAT(refused->stderr_text(), HasSubstr("schema version 2"));
  EXPECT_EQ(read_file(db_), before);

  migrate_database();
  auto accepted = start_proxy(upstream.base_url(), {"--migrate", "check"});
  ASSERT_TRUE(accepted->ready()) << accepted->stderr_text();
  stop(*accepted);
}

TEST_F(ProxyLifecycleTest, BadFlagsExitWithUsageError) {
  auto proxy = start_proxy("ftp://nowhere");
  EXPECT_FALSE(proxy->ready());
  EXPECT_EQ(proxy->wait(), 2);
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("--upstream"));
}

}  // namespace
}  // namespace safemig::testing
