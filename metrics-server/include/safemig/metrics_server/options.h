// The metrics-server command line (CLI11):
//   metrics-server --db PATH [--listen 127.0.0.1:9090] [--top-models 20] [--log-level info]
// DATABASE_PATH is the default of --db.
//
// Thread safety: pure function (reads the environment).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <variant>

namespace safemig::metrics_server {

struct Options {
  std::string db_path;
  std::string listen = "127.0.0.1:9090";
  std::size_t top_models = 20;
  std::string log_level = "info";
};

// The options, or the exit code to return at once: 0 after --help (printed to `out`), 2 after a
// usage error (printed to `err`).
std::variant<Options, int> parse_options(int argc, const char* const* argv, std::ostream& out,
                                         std::ostream& err);

}  // namespace safemig::metrics_server
