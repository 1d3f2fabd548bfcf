// End-to-end tests of the proxy's spill journal: answers given while another process locks the
// database survive a kill -9, --spill-dir moves the journal (and a journal left beside the
// database is still replayed), and a --spill-dir that cannot hold it stops startup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "proxy_fixture.h"
#include "safemig/db/sqlite_connection.h"

namespace safemig::testing {
namespace {

using ::testing::HasSubstr;

const char* const kChat =
    R"({"model":"gpt-test","messages":[{"role":"user","content":"hi there"}]})";
const Headers kJson = {{"Content-Type", "application/json"}};

// Polls `condition` for up to 20 s.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::size_t lines_in(const std::string& path) {
  const std::string text = read_file(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Lines of every spill journal (current or being replayed) in `dir`.
std::size_t journal_lines_in(const std::string& dir) {
  std::size_t lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().find(".recorder-spill") != std::string::npos &&
        entry.path().extension() != ".progress") {
      lines += lines_in(entry.path().string());
    }
  }
  return lines;
}

class ProxySpillTest : public ProxyTest {
 protected:
  // Another process's BEGIN EXCLUSIVE, as `sqlite3` would hold it.
  void lock_database() {
    auto holder = db::open_sqlite(db_);
    ASSERT_TRUE(holder.has_value()) << holder.error().describe();
    holder_ = std::move(*holder);
    ASSERT_TRUE(holder_->execute("BEGIN EXCLUSIVE").has_value());
  }
  void unlock_database() {
    ASSERT_TRUE(holder_->execute("ROLLBACK").has_value());
    holder_.reset();
  }

  void answer(ProxyProcess& proxy, int count) {
    for (int i = 0; i < count; ++i) {
      const HttpReply got =
          http_request(proxy.port(), "POST", "/v1/chat/completions", kChat, kJson);
      ASSERT_EQ(got.status, 200) << got.error << got.body;
    }
  }

  std::unique_ptr<db::Connection> holder_;
};

TEST_F(ProxySpillTest, AnswersGivenWhileTheDatabaseIsLockedSurviveAKillAndASpillDirChange) {
  FakeUpstream& upstream = start_upstream();
  const std::string beside = db_ + ".recorder-spill";
  {
    auto proxy = start_proxy(upstream.base_url());
    ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
    lock_database();
    answer(*proxy, 10);
    ASSERT_TRUE(eventually([&] { return lines_in(beside) == 10; }));
    proxy->signal(SIGKILL);
    proxy->wait();
    unlock_database();
  }
  const std::string spill_dir = dir_.file("spill");
  std::filesystem::create_directory(spill_dir);
  auto proxy = start_proxy(upstream.base_url(), {"--spill-dir", spill_dir});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  // The journal left beside the database by the killed process is replayed.
  ASSERT_TRUE(eventually([&] { return read_rows(db_).size() == 10; }));
  ASSERT_TRUE(eventually([&] { return !std::filesystem::exists(beside + ".replaying"); }));

  lock_database();
  answer(*proxy, 5);
  ASSERT_TRUE(eventually([&] { return journal_lines_in(spill_dir) == 5; }));
  EXPECT_FALSE(std::filesystem::exists(beside));
  unlock_database();
  stop(*proxy);
  EXPECT_EQ(read_rows(db_).size(), 15u);
  EXPECT_EQ(journal_lines_in(spill_dir), 0u);
}

TEST_F(ProxySpillTest, ShutdownWithNothingWritableSaysHowManyAnswersWereLostAndFails) {
  FakeUpstream& upstream = start_upstream();
  const std::string spill_dir = dir_.file("spill");
  std::filesystem::create_directory(spill_dir);
  auto proxy = start_proxy(upstream.base_url(), {"--spill-dir", spill_dir});
  ASSERT_TRUE(proxy->ready()) << proxy->stderr_text();
  lock_database();
  std::filesystem::remove(spill_dir);  // The journal's filesystem goes away too.
  answer(*proxy, 3);
  proxy->signal(SIGTERM);
  EXPECT_EQ(proxy->wait(), 1);
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("lost 3 recorded request(s)"));
  unlock_database();
  EXPECT_EQ(read_rows(db_).size(), 0u);
}

TEST_F(ProxySpillTest, SpillDirThatDoesNotExistStopsStartup) {
  FakeUpstream& upstream = start_upstream();
  auto proxy = start_proxy(upstream.base_url(), {"--spill-dir", dir_.file("missing")});
  EXPECT_FALSE(proxy->ready());
  EXPECT_EQ(proxy->wait(), 1);
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("--spill-dir"));
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("create the directory first"));
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(ProxySpillTest, SpillDirThatIsAFileStopsStartup) {
  FakeUpstream& upstream = start_upstream();
  write_file(dir_.file("plain"), "x");
  auto proxy = start_proxy(upstream.base_url(), {"--spill-dir", dir_.file("plain")});
  EXPECT_FALSE(proxy->ready());
  EXPECT_EQ(proxy->wait(), 1);
  EXPECT_THAT(proxy->stderr_text(), HasSubstr("is not a directory"));
}

}  // namespace
}  // namespace safemig::testing
