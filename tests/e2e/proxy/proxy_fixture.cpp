// Shared setup of the metrics-proxy end-to-end tests (see proxy_fixture.h).
//
// Thread safety: one test thread.
#include "proxy_fixture.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "safemig/db/sqlite_connection.h"

namespace safemig::testing {

::testing::AssertionResult is_failed_row(const StoredRow& row, std::int64_t status,
                                         const std::string& error_type) {
  if (row.status_code == status && row.error_type == error_type && !row.success) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "row " << row.request_id << ": status " << row.status_code.value_or(0)
         << ", error_type " << row.error_type.value_or("(null)") << ", success " << row.success
         << "; expected a failure " << status << " " << error_type;
}

std::vector<StoredRow> read_rows(const std::string& db_path) {
  db::SqliteOptions options;
  options.read_only = true;
  auto connection = db::open_sqlite(db_path, options);
  EXPECT_TRUE(connection.has_value()) << connection.error().describe();
  if (!connection) return {};
  auto rows =
      (*connection)
          ->query(
              "SELECT request_id, success, status_code, response_time_ms, model, origin, upstream, "
              "is_streaming, max_tokens, message_count, prompt_tokens, completion_tokens, "
              "total_tokens, "
              "finish_reason, error_type, time_to_first_token_ms, time_to_last_token_ms, "
              "tokens_per_second, error_message, endpoint FROM completion_requests ORDER BY id");
  EXPECT_TRUE(rows.has_value()) << rows.error().describe();
  std::vector<StoredRow> out;
  if (!rows) return out;
  for (const db::Row& r : *rows) {
    StoredRow s;
    s.request_id = r.text(0);
    s.success = r.int64(1) != 0;
    s.status_code = r.opt_int64(2);
    s.response_time_ms = r.int64(3);
    s.model = r.text(4);
    s.origin = r.opt_text(5);
    s.upstream = r.opt_text(6);
    s.is_streaming = r.int64(7) != 0;
    s.max_tokens = r.opt_int64(8);
    s.message_count = r.opt_int64(9);
    s.prompt_tokens = r.opt_int64(10);
    s.completion_tokens = r.opt_int64(11);
    s.total_tokens = r.opt_int64(12);
    s.finish_reason = r.opt_text(13);
    s.error_type = r.opt_text(14);
    s.ttft_ms = r.opt_int64(15);
    s.ttlt_ms = r.opt_int64(16);
    s.tokens_per_second = r.opt_real(17);
    s.error_message = r.opt_text(18);
    s.endpoint = r.text(19);
    out.push_back(std::move(s));
  }
  return out;
}

std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string without_created(std::string text) {
  static const std::regex created("\"created\":[0-9]+");
  return std::regex_replace(text, created, "\"created\":0");
}

FakeUpstream& ProxyTest::start_upstream(FakeUpstreamOptions options) {
  auto upstream = FakeUpstream::start(options);
  EXPECT_TRUE(upstream.has_value()) << upstream.error().describe();
  upstreams_.push_back(std::move(*upstream));
  return *upstreams_.back();
}

std::unique_ptr<ProxyProcess> ProxyTest::start_proxy(const std::string& upstream_url,
                                                     const std::vector<std::string>& extra,
                                                     const std::vector<std::string>& environment) {
  std::vector<std::string> args = {"--db",        db_,          "--listen",
                                   "127.0.0.1:0", "--upstream", upstream_url};
  args.insert(args.end(), extra.begin(), extra.end());
  const std::string log = dir_.file("proxy-" + std::to_string(++started_) + ".log");
  return std::make_unique<ProxyProcess>(METRICS_PROXY_BINARY, args, log, environment);
}

void ProxyTest::stop(ProxyProcess& proxy) {
  proxy.signal(SIGTERM);
  const auto code = proxy.wait();
  EXPECT_EQ(code, 0) << proxy.stderr_text();
}

}  // namespace safemig::testing
