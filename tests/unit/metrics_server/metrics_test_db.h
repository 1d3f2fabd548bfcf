// Test helpers for the metrics server: a database created the way the proxy creates it (the
// application history through SafeMigrationManager), filled through CompletionRequestsWriter,
// plus brute-force SQL over the raw rows to compare the server's answers with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/value.h"
#include "safemig/http/message.h"

namespace safemig::metrics_server::testing {

// Creates `path` and migrates it to `version` (default: the latest) with the safe manager.
void create_database(const std::string& path, std::optional<int> version = std::nullopt);

// Inserts `records` in one batch under the single-writer lock.
void write_records(const std::string& path, const std::vector<dao::CompletionRequest>& records);

// `count` varied records in [start, start + span_ms): several models and endpoints, streaming and
// not, errors with and without a status code, NULL token counts. Deterministic for a seed.
std::vector<dao::CompletionRequest> sample_records(std::size_t count, std::int64_t start_ms,
                                                   std::int64_t span_ms, std::uint32_t seed,
                                                   std::size_t model_count = 3);

// Rows of a query over the database (opened read-only), for brute-force expectations.
std::vector<db::Row> sql_rows(const std::string& path, const std::string& sql,
                              std::vector<db::Value> params = {});
std::int64_t sql_int(const std::string& path, const std::string& sql,
                     std::vector<db::Value> params = {});

// A GET request for `target`.
http::Request get(std::string target);

}  // namespace safemig::metrics_server::testing
