// metrics-proxy: the writer service. Parses the command line, takes the database's writer lock
// and migrates (or checks) the schema, starts the recorder, serves until SIGTERM/SIGINT, then
// flushes every record before exiting.
//
// Exit codes: 0 stopped cleanly with every record written or spilled; 1 a startup or runtime
// failure (the message says which; the database is as it was), or records were lost (the log
// says how many); 2 a usage error.
//
// Thread safety: main thread only (the recorder runs its own writer thread).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "safemig/db/sqlite_connection.h"
#include "safemig/http/descriptor_table.h"
#include "safemig/http/open_file_limit.h"
#include "safemig/proxy/command_line.h"
#include "safemig/proxy/proxy_service.h"
#include "safemig/proxy/recorder.h"
#include "safemig/proxy/spill_location.h"
#include "safemig/proxy/startup.h"

namespace {

using namespace safemig;

constexpr int kFailed = 1;

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("metrics-proxy");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ metrics-proxy: %v");
}

int run(const proxy::ProxyOptions& options) {
  if (auto limit = http::raise_open_file_limit(); limit) {
    spdlog::debug("open-file limit: {}", *limit);
  } else {
    spdlog::warn("{}", limit.error().describe());
  }
  // Before the recorder's thread starts: then growing the table waits for no other thread.
  if (auto reserved = http::reserve_descriptor_table(http::kServerDescriptors); reserved) {
    spdlog::debug("descriptor table reserved for {} descriptors", *reserved);
  } else {
    spdlog::warn("{}", reserved.error().describe());
  }
  proxy::RecorderOptions recorder_options;
  recorder_options.spill_path = proxy::Recorder::default_spill_path(options.db_path);
  if (!options.spill_dir.empty()) {
    auto spill_path = proxy::spill_path_in_dir(options.spill_dir, options.db_path);
    if (!spill_path) {
      spdlog::error("cannot start: {}", spill_path.error().describe());
      return kFailed;
    }
    // A journal left beside the database by a run without --spill-dir is replayed too.
    recorder_options.earlier_spill_paths.push_back(recorder_options.spill_path);
    recorder_options.spill_path = *spill_path;
  }
  auto guard = proxy::prepare_database(options.db_path, options.migrate);
  if (!guard) {
    spdlog::error("cannot start on {}: {}", options.db_path, guard.error().describe());
    return kFailed;
  }
  recorder_options.connect = [path = options.db_path, wait = recorder_options.lock_wait] {
    db::SqliteOptions sqlite;
    sqlite.create = false;
    sqlite.busy_timeout = wait;  // A locked database sends batches to the journal at once.
    return db::open_sqlite(path, sqlite);
  };
  spdlog::info("recorder: spill journal '{}'", recorder_options.spill_path);
  const std::string spill_path = recorder_options.spill_path;
  auto recorder = proxy::Recorder::start(std::move(recorder_options));
  if (!recorder) {
    spdlog::error("cannot start the recorder: {}", recorder.error().describe());
    return kFailed;
  }
  auto served = proxy::run_service(options, **recorder, guard->schema_version());
  if (!served) spdlog::error("{}", served.error().describe());
  auto flushed = (*recorder)->flush_and_stop(proxy::Recorder::kDefaultStopWait);
  if (!flushed) spdlog::error("flushing the recorder: {}", flushed.error().describe());
  const auto stats = (*recorder)->stats();
  spdlog::info("stopped: {} record(s) written, {} spilled, {} dropped",
               stats.rows_written + stats.rows_replayed, stats.rows_spilled, stats.rows_dropped);
  if (stats.rows_dropped > 0) {
    spdlog::critical(
        "lost {} recorded request(s) during this run (each cause is logged above; at "
        "shutdown: neither the database nor the spill journal '{}' could take them); free "
        "space or fix permissions there, or give --spill-dir a directory on another filesystem",
        stats.rows_dropped, spill_path);
  }
  return served && flushed ? 0 : kFailed;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const proxy::CommandLine command_line = proxy::parse_command_line(argc, argv);
    if (!command_line.options) {
      std::fputs(command_line.message.c_str(), command_line.exit_code == 0 ? stdout : stderr);
      return command_line.exit_code;
    }
    configure_logging(command_line.options->log_level);
    return run(*command_line.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metrics-proxy: fatal: %s\n", e.what());
    return kFailed;
  }
}
