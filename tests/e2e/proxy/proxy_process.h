// ProxyProcess: the real `metrics-proxy` binary run as a child process for end-to-end tests.
//
// start() waits (polling the child's stdout, no fixed sleeps) until it prints
// "listening on HOST:PORT", or until it exits. stderr goes to a file the test can read.
//
// Thread safety: one thread per instance.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace safemig::testing {

class ProxyProcess {
 public:
  // Runs `binary args...`. When it becomes ready, port() is its port; when it exits first,
  // exit_code() says how. `stderr_path` receives its stderr. The child gets this process's
  // environment with `environment` ("NAME=value" entries) added, replacing variables of the
  // same name.
  ProxyProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::string& stderr_path, const std::vector<std::string>& environment = {},
               std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));
  ~ProxyProcess();
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;

  bool ready() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  // Sends `signal_number` (SIGTERM by default).
  void signal(int signal_number);
  // Waits for the exit; the exit code, or 128 + signal when killed; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // What the child printed on stdout so far.
  const std::string& stdout_text() const { return stdout_; }
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_;
  std::string stderr_path_;
  std::uint16_t port_ = 0;
  std::optional<int> exit_code_;
};

}  // namespace safemig::testing
