// Shared set-up of the in-process benchmarks: scale parameters from the environment, scratch
// directories under /tmp, synthetic completion requests and databases at a given version of the
// application's schema history.
//
// Thread safety: the benchmarks run on one thread; nothing here is shared between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/connection.h"
#include "safemig/error.h"

namespace safemig::bench {

// The value of the environment variable `name` as a positive integer, or `fallback` when it is
// unset. Exits with a message when it is set to anything else.
std::int64_t env_int(const char* name, std::int64_t fallback);

// Prints `what: <error>` to stderr and exits with status 1. For set-up failures, which make any
// measurement meaningless.
[[noreturn]] void die(std::string_view what, const Error& error);

// Returns the value of `result`, or dies with `what`.
template <typename T>
T must(std::string_view what, Result<T> result) {
  if (!result) die(what, result.error());
  return std::move(*result);
}
inline void must(std::string_view what, Result<void> result) {
  if (!result) die(what, result.error());
}

// A fresh directory under $SAFEMIG_BENCH_TMP (default /tmp), removed with everything in it when
// the object is destroyed.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// `count` synthetic requests shaped like the proxy's traffic: request ids "bench-<index>" from
// `first_index` on, timestamps from `start_ms` every `spacing_ms`, four models, half streaming
// (with TTFT/TTLT), 5% errors with an error type. Deterministic for given arguments.
std::vector<dao::CompletionRequest> synthetic_requests(std::int64_t first_index, std::size_t count,
                                                       std::int64_t start_ms,
                                                       std::int64_t spacing_ms);

// Brings the database at `path` (created when missing) to `version` of the application's history
// through SafeMigrationManager: every safety stage runs, as in production. File backups are left
// beside the database.
void migrate_app(const std::string& path, int version);

// Executes the up SQL of the application's steps from+1..to on `conn`, without any safety stage
// (used to generate large data sets quickly).
void apply_app_sql(db::Connection& conn, int from, int to);

}  // namespace safemig::bench
