// The metrics-proxy child process of end-to-end tests (see proxy_process.h).
//
// Thread safety: one thread per instance.
#include "proxy_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

extern char** environ;

namespace safemig::testing {
namespace {

std::optional<int> decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

}  // namespace

ProxyProcess::ProxyProcess(const std::string& binary, const std::vector<std::string>& args,
                           const std::string& stderr_path,
                           const std::vector<std::string>& environment,
                           std::chrono::milliseconds ready_timeout)
    : stderr_path_(stderr_path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view name(*entry, std::strcspn(*entry, "="));
    const bool replaced = std::any_of(environment.begin(), environment.end(), [&](const auto& e) {
      return e.size() > name.size() && e.compare(0, name.size(), name) == 0 &&
             e[name.size()] == '=';
    });
    if (!replaced) envp.push_back(*entry);
  }
  for (const std::string& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  if (rc != 0) {
    pid_ = -1;
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) continue;
    char buffer[512];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // The child closed stdout: it exited.
    stdout_.append(buffer, static_cast<std::size_t>(n));
    const std::size_t at = stdout_.find("listening on ");
    const std::size_t end = at == std::string::npos ? at : stdout_.find('\n', at);
    if (end != std::string::npos) {
      const std::string line = stdout_.substr(at, end - at);
      port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
      return;
    }
  }
}

ProxyProcess::~ProxyProcess() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void ProxyProcess::signal(int signal_number) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signal_number);
}

std::optional<int> ProxyProcess::wait(std::chrono::milliseconds timeout) {
  if (exit_code_ || pid_ <= 0) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decode_status(status);
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // Reading stdout until end of file waits for the exit without polling on a timer.
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 10) > 0) {
      char buffer[512];
      const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
      if (n > 0) stdout_.append(buffer, static_cast<std::size_t>(n));
      if (n == 0) {
        ::waitpid(pid_, &status, 0);
        exit_code_ = decode_status(status);
        return exit_code_;
      }
    }
  }
}

std::string ProxyProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace safemig::testing
