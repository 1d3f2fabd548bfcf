// Test helpers for the DAO: a database migrated to the latest application schema (each step's
// up SQL run in order), and deterministic sample records.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/connection.h"

namespace safemig::dao::testing {

// Opens (creating) `path` read-write and applies every step of the application history.
std::unique_ptr<db::Connection> open_migrated(const std::string& path);

// A record with every field set, unique per `n`.
CompletionRequest full_record(std::int64_t n, TimePoint timestamp);

// `count` varied records between `start` and `start + span_ms`, some with NULL optionals, errors,
// streaming, several models and every endpoint; deterministic for a given seed.
std::vector<CompletionRequest> sample_records(std::size_t count, TimePoint start,
                                              std::int64_t span_ms, std::uint32_t seed);

}  // namespace safemig::dao::testing
