// safemig: the command line of the application's database, with the application's schema
// history built in (or a directory of SQL migrations with --dir) and its data checks added to
// `verify`. See safemig/cli/cli.h for the commands and exit codes.
//
// Thread safety: single-threaded program.
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>

#include "safemig/app/history.h"
#include "safemig/cli/cli.h"
#include "safemig/dao/integrity.h"

int main(int argc, char** argv) {
  // Diagnostics go to stderr so that stdout carries only the command's output (--json).
  // Warnings and errors by default; SPDLOG_LEVEL=debug shows more.
  auto logger = spdlog::stderr_color_mt("safemig");
  logger->set_pattern("%n: [%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
  spdlog::cfg::load_env_levels();

  safemig::cli::CliEnvironment env;
  env.program_name = "safemig";
  env.default_migrations = [] { return safemig::app::application_history(); };
  env.extra_verify = [](safemig::db::Connection& connection) {
    return safemig::dao::find_integrity_issues(connection);
  };
  env.stderr_is_terminal = ::isatty(STDERR_FILENO) == 1;
  return safemig::cli::run_cli(argc, argv, env, std::cout, std::cerr);
}
