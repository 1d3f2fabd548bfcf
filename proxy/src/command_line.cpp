// Parsing of the metrics-proxy command line with CLI11 (see command_line.h).
//
// Thread safety: pure function (reads the environment).
#include "safemig/proxy/command_line.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <sstream>

namespace safemig::proxy {
namespace {

constexpr int kUsageError = 2;

CommandLine usage_error(const std::string& message) {
  return {std::nullopt, kUsageError,
          "metrics-proxy: " + message + "\nRun with --help for more information.\n"};
}

// Seconds (possibly fractional, > 0) as milliseconds.
std::optional<std::chrono::milliseconds> seconds(double value) {
  if (!(value > 0) || !std::isfinite(value) || value > 1e7) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(value * 1000)));
}

}  // namespace

Result<MigrateMode> parse_migrate_mode(std::string_view text) {
  if (text == "auto") return MigrateMode::automatic;
  if (text == "check") return MigrateMode::check;
  if (text == "off") return MigrateMode::off;
  return fail(ErrorCode::invalid_input,
              "invalid --migrate value '" + std::string(text) + "': expected auto, check or off");
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CLI::App app{
      "metrics-proxy: forwards OpenAI-compatible requests to an upstream and records "
      "one row per completion request",
      "metrics-proxy"};
  std::string db;
  std::string listen = "127.0.0.1:8080";
  std::string upstream;
  std::string migrate = "auto";
  double upstream_timeout = 600;
  double connect_timeout = 10;
  double shutdown_timeout = 10;
  std::string error_messages = "redacted";
  std::string log_level = "info";
  std::size_t bodies_in_flight_mib = 256;
  std::string spill_dir;
  app.add_option("--db", db, "SQLite database file (created and migrated when missing)")
      ->envname("DATABASE_PATH")
      ->required();
  app.add_option(
         "--listen", listen,
         "Address to serve on, HOST:PORT: every address HOST resolves to (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--upstream", upstream, "Upstream base URL, http:// or https://")
      ->envname("UPSTREAM_BASE_URL")
      ->required();
  app.add_option("--migrate", migrate,
                 "auto: run pending migrations; check: only verify the version; off: neither")
      ->check(CLI::IsMember({"auto", "check", "off"}))
      ->capture_default_str();
  app.add_option("--upstream-timeout", upstream_timeout,
                 "Seconds to wait for the upstream's response head and between body pieces")
      ->capture_default_str();
  app.add_option("--connect-timeout", connect_timeout, "Seconds to connect to the upstream")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "Seconds in-flight requests get to finish after SIGTERM/SIGINT")
      ->capture_default_str();
  app.add_option("--error-messages", error_messages,
                 "Upstream error messages in the records: redacted (credentials, key-shaped "
                 "tokens and the request's text removed) or off (none stored)")
      ->check(CLI::IsMember({"redacted", "off"}))
      ->capture_default_str();
  app.add_option("--bodies-in-flight-mib", bodies_in_flight_mib,
                 "MiB of request bodies held at once by all connections (each request's body is "
                 "counted from its Content-Length); a request beyond it gets 503")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--spill-dir", spill_dir,
                 "Directory of the recorder's spill journal, where records wait while the "
                 "database cannot take them (e.g. another filesystem); default: beside the "
                 "database");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  if (db.empty()) return usage_error("--db: the database path is empty; name a database file");
  ProxyOptions options;
  options.db_path = db;
  options.log_level = log_level;
  options.spill_dir = spill_dir;
  auto address = http::parse_listen_address(listen);
  if (!address) return usage_error("--listen: " + address.error().message);
  options.listen = *address;
  auto target = parse_upstream_url(upstream);
  if (!target) return usage_error("--upstream: " + target.error().message);
  options.upstream = *target;
  auto mode = parse_migrate_mode(migrate);
  if (!mode) return usage_error(mode.error().message);
  options.migrate = *mode;
  auto messages = parse_error_messages(error_messages);
  if (!messages) return usage_error(messages.error().message);
  options.error_messages = *messages;
  const auto up = seconds(upstream_timeout);
  const auto connect = seconds(connect_timeout);
  const auto shutdown = seconds(shutdown_timeout);
  if (!up || !connect || !shutdown) {
    return usage_error("timeouts must be positive numbers of seconds");
  }
  options.upstream_timeout = *up;
  options.connect_timeout = *connect;
  options.shutdown_timeout = *shutdown;
  options.bodies_in_flight_limit = bodies_in_flight_mib * 1024 * 1024;
  return {std::move(options), 0, {}};
}

}  // namespace safemig::proxy
