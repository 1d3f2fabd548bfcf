// The metrics-proxy command line:
//
//   metrics-proxy --db PATH --listen 127.0.0.1:8080 --upstream URL [--migrate auto|check|off]
//                 [--upstream-timeout SECONDS] [--connect-timeout SECONDS]
//                 [--shutdown-timeout SECONDS] [--error-messages redacted|off]
//                 [--bodies-in-flight-mib MIB] [--spill-dir DIR] [--log-level LEVEL]
//
// DATABASE_PATH and UPSTREAM_BASE_URL are the defaults of --db and --upstream.
//
// Thread safety: pure function (reads the environment).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "safemig/http/server.h"
#include "safemig/proxy/error_redaction.h"
#include "safemig/proxy/migrate_mode.h"
#include "safemig/proxy/upstream_request.h"

namespace safemig::proxy {

struct ProxyOptions {
  std::string db_path;
  http::ListenAddress listen;
  UpstreamTarget upstream;
  MigrateMode migrate = MigrateMode::automatic;
  std::chrono::milliseconds upstream_timeout{600000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds shutdown_timeout{10000};
  ErrorMessages error_messages = ErrorMessages::redacted;
  // Bytes of request bodies held at once by all connections; beyond it a request gets 503.
  std::size_t bodies_in_flight_limit = std::size_t{256} * 1024 * 1024;
  // Directory of the recorder's spill journal; empty: beside the database. Checked at startup
  // (spill_location.h), not here.
  std::string spill_dir;
  std::string log_level = "info";
};

// Either options to run with, or an exit code and the text to print (help on stdout with 0,
// a usage error on stderr with 2).
struct CommandLine {
  std::optional<ProxyOptions> options;
  int exit_code = 0;
  std::string message;
};

CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace safemig::proxy
