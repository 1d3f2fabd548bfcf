// Test support for the metrics server's end-to-end tests: the real `metrics-server` binary as a
// child process, and a minimal blocking HTTP/1.1 client over loopback.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace safemig::metrics_server::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

// Runs `argv` to completion; argv[0] is looked up in PATH when it has no slash.
CommandResult run_command(const std::vector<std::string>& argv);

class ServerProcess {
 public:
  // Starts `binary` with `args`, waits (up to `timeout`) for its "listening on HOST:PORT" line.
  // On failure port() is 0 and output() says what it printed.
  static std::unique_ptr<ServerProcess> start(
      const std::string& binary, const std::vector<std::string>& args,
      std::chrono::seconds timeout = std::chrono::seconds(20));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }
  // Sends SIGTERM and waits; returns the exit status (or -1).
  int stop();

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string output_;
};

struct HttpReply {
  int status = 0;  // 0 when the request failed.
  std::string headers;
  std::string body;
};

// GET `target` from 127.0.0.1:`port` with Connection: close.
HttpReply http_get(std::uint16_t port, const std::string& target);

// Sends the raw `request` to 127.0.0.1:`port` and reads until the server closes the connection.
HttpReply http_exchange(std::uint16_t port, const std::string& request);

}  // namespace safemig::metrics_server::testing
