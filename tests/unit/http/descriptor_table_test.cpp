#include "safemig/http/descriptor_table.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/matchers.h"

namespace safemig::http {
namespace {

using testing::IsOk;

// Descriptor slots the kernel has allocated for this process ("FDSize" in /proc/self/status).
std::uint64_t table_size() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("FDSize:", 0) == 0) return std::stoull(line.substr(7));
  }
  ADD_FAILURE() << "no FDSize line in /proc/self/status";
  return 0;
}

std::size_t open_descriptors() {
  const auto entries = std::filesystem::directory_iterator("/proc/self/fd");
  return static_cast<std::size_t>(std::distance(begin(entries), end(entries)));
}

rlimit current_limit() {
  rlimit limit{};
  EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  return limit;
}

// Runs `body` in a child process, whose exit status is returned: changing the limit or filling
// the table there leaves the other tests alone.
template <typename Body>
int in_child(Body body) {
  const pid_t child = fork();
  if (child == 0) _exit(body());
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(DescriptorTable, GrowsTheTableAndLeavesNoDescriptorOpen) {
  const std::uint64_t wanted = std::min<std::uint64_t>(
      std::max<std::uint64_t>(table_size() * 4, 2048), current_limit().rlim_cur);
  const std::size_t open_before = open_descriptors();
  const auto reserved = reserve_descriptor_table(wanted);
  ASSERT_THAT(reserved, IsOk());
  EXPECT_EQ(*reserved, wanted);
  EXPECT_GE(table_size(), wanted);
  EXPECT_EQ(open_descriptors(), open_before);
}

TEST(DescriptorTable, IsCappedAtTheSoftLimit) {
  const int status = in_child([] {
    rlimit lowered = current_limit();
    if (lowered.rlim_max < 300) return 10;
    lowered.rlim_cur = 300;
    if (setrlimit(RLIMIT_NOFILE, &lowered) != 0) return 11;
    const auto reserved = reserve_descriptor_table(kServerDescriptors);
    if (!reserved) return 12;
    if (*reserved != 300) return 13;
    if (table_size() < 300) return 14;
    return 0;
  });
  EXPECT_EQ(status, 0) << "10: hard limit below 300, 11: cannot lower the limit, 12: error, "
                          "13: count not capped at 300, 14: table not grown";
}

TEST(DescriptorTable, NoFreeDescriptorIsAnIoError) {
  const int status = in_child([] {
    rlimit lowered = current_limit();
    lowered.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &lowered) != 0) return 10;
    // Every descriptor under the limit in use.
    while (::open("/dev/null", O_RDONLY) >= 0) {
    }
    if (errno != EMFILE) return 11;
    const auto reserved = reserve_descriptor_table(1024);
    if (reserved) return 12;
    if (reserved.error().code != ErrorCode::io) return 13;
    const std::string& message = reserved.error().message;
    if (message.find("cannot reserve the descriptor table for 64 descriptors") ==
            std::string::npos ||
        message.find("opening /dev/null") == std::string::npos) {
      return 14;
    }
    return 0;
  });
  EXPECT_EQ(status, 0) << "10: cannot lower the limit, 11: filling the table failed otherwise, "
                          "12: no error, 13: not io, 14: message";
}

}  // namespace
}  // namespace safemig::http
