// Child processes and a loopback HTTP client for the end-to-end tests (see server_process.h).
#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>

extern char** environ;

namespace safemig::metrics_server::testing {
namespace {

// Spawns argv with stdout and stderr on a new pipe; returns the pid and the read end.
std::pair<pid_t, int> spawn_with_pipe(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  return {pid, fds[0]};
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult result;
  const auto [pid, fd] = spawn_with_pipe(argv);
  if (pid < 0) return result;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
    result.output.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  result.exit_code = wait_exit(pid);
  return result;
}

std::unique_ptr<ServerProcess> ServerProcess::start(const std::string& binary,
                                                    const std::vector<std::string>& args,
                                                    std::chrono::seconds timeout) {
  std::unique_ptr<ServerProcess> process(new ServerProcess());
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto [pid, fd] = spawn_with_pipe(argv);
  process->pid_ = pid;
  process->stdout_fd_ = fd;
  if (pid < 0) return process;
  const std::regex listening("listening on (?:\\[[^\\]]+\\]|[^\\s:]+):(\\d+)");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[1024];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;  // The process exited.
    process->output_.append(buffer, static_cast<std::size_t>(n));
    std::smatch match;
    if (std::regex_search(process->output_, match, listening)) {
      process->port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
      break;
    }
  }
  return process;
}

int ServerProcess::stop() {
  if (pid_ < 0) return -1;
  ::kill(pid_, SIGTERM);
  const int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

ServerProcess::~ServerProcess() {
  if (pid_ >= 0) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

HttpReply http_get(std::uint16_t port, const std::string& target) {
  return http_exchange(
      port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

HttpReply http_exchange(std::uint16_t port, const std::string& request) {
  HttpReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return reply;
  }
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return reply;
  }
  std::string raw;
  char buffer[16384];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
    raw.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  const auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  reply.headers = raw.substr(0, split);
  reply.body = raw.substr(split + 4);
  return reply;
}

}  // namespace safemig::metrics_server::testing
