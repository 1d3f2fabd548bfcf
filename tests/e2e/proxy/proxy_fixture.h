// Shared setup of the metrics-proxy end-to-end tests: a temporary directory and database path,
// in-process fake upstreams, the real metrics-proxy binary, and the rows it recorded.
//
// Thread safety: one test thread (the fakes run their own threads).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_client.h"
#include "proxy_process.h"
#include "support/fake_upstream.h"
#include "support/temp_dir.h"

namespace safemig::testing {

// The columns of one completion_requests row the tests look at.
struct StoredRow {
  std::string request_id;
  bool success = false;
  std::optional<std::int64_t> status_code;
  std::int64_t response_time_ms = 0;
  std::string model;
  std::string endpoint;
  std::optional<std::string> origin;
  std::optional<std::string> upstream;
  bool is_streaming = false;
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> message_count;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::int64_t> total_tokens;
  std::optional<std::string> finish_reason;
  std::optional<std::string> error_type;
  std::optional<std::string> error_message;
  std::optional<std::int64_t> ttft_ms;
  std::optional<std::int64_t> ttlt_ms;
  std::optional<double> tokens_per_second;
};

// Whether `row` records a failed request answered `status`, with `error_type`.
::testing::AssertionResult is_failed_row(const StoredRow& row, std::int64_t status,
                                         const std::string& error_type);

// Every row of completion_requests, oldest first (read-only connection).
std::vector<StoredRow> read_rows(const std::string& db_path);

// A port on 127.0.0.1 where nothing listens (bound, then released).
std::uint16_t unused_port();

// "created":<digits> replaced by "created":0 (the fake stamps the current second).
std::string without_created(std::string text);

class ProxyTest : public ::testing::Test {
 protected:
  // A fake upstream with `options`; kept alive for the test.
  FakeUpstream& start_upstream(FakeUpstreamOptions options = {});
  // The proxy in front of `upstream_url` with `extra` flags, on port 0 of 127.0.0.1, with
  // `environment` ("NAME=value") added to its environment.
  std::unique_ptr<ProxyProcess> start_proxy(const std::string& upstream_url,
                                            const std::vector<std::string>& extra = {},
                                            const std::vector<std::string>& environment = {});
  // SIGTERM, then expects a clean exit (0).
  void stop(ProxyProcess& proxy);

  TempDir dir_;
  const std::string db_ = dir_.file("metrics.db");

 private:
  std::vector<std::unique_ptr<FakeUpstream>> upstreams_;
  int started_ = 0;
};

}  // namespace safemig::testing
