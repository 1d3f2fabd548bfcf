// The metrics-server command line (see options.h).
//
// Thread safety: pure function.
#include "safemig/metrics_server/options.h"

#include <CLI/CLI.hpp>

namespace safemig::metrics_server {

std::variant<Options, int> parse_options(int argc, const char* const* argv, std::ostream& out,
                                         std::ostream& err) {
  Options options;
  CLI::App app{
      "metrics-server: serves the recorded LLM completion requests read-only — JSON API, "
      "Prometheus /metrics, /healthz and a dashboard at /"};
  app.add_option("--db", options.db_path, "SQLite database the proxy records into")
      ->envname("DATABASE_PATH")
      ->required();
  app.add_option(
         "--listen", options.listen,
         "Address to listen on, HOST:PORT: every address HOST resolves to (port 0: any free)")
      ->capture_default_str();
  app.add_option("--top-models", options.top_models,
                 "Models named in /metrics; the others are reported as model=\"other\"")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "metrics-server: " << e.what() << "\n"
        << "Run with --help for more information.\n";
    return 2;
  }
  if (options.db_path.empty()) {
    err << "metrics-server: --db: the database path is empty; name a database file\n"
        << "Run with --help for more information.\n";
    return 2;
  }
  return options;
}

}  // namespace safemig::metrics_server
