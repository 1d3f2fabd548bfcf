#include "safemig/http/open_file_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/matchers.h"

namespace safemig::http {
namespace {

using testing::IsOk;

rlimit current_limit() {
  rlimit limit{};
  EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  return limit;
}

// Runs in a child process, so that lowering the limit does not affect the other tests.
TEST(OpenFileLimit, RaisesALoweredSoftLimitToTheHardLimit) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit lowered = current_limit();
    if (lowered.rlim_max < 64) _exit(10);
    lowered.rlim_cur = 32;
    if (setrlimit(RLIMIT_NOFILE, &lowered) != 0) _exit(11);
    const auto raised = raise_open_file_limit();
    if (!raised) _exit(12);
    const rlimit now = current_limit();
    if (now.rlim_cur != now.rlim_max || *raised != now.rlim_cur) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: hard limit below 64, 11: cannot lower, 12: error, "
                                       "13: soft limit not raised to the hard limit";
}

TEST(OpenFileLimit, KeepsAnAlreadyMaximalLimit) {
  ASSERT_THAT(raise_open_file_limit(), IsOk());
  const rlimit before = current_limit();
  const auto again = raise_open_file_limit();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, before.rlim_cur);
  EXPECT_EQ(current_limit().rlim_cur, before.rlim_cur);
  EXPECT_EQ(current_limit().rlim_max, before.rlim_max);
}

}  // namespace
}  // namespace safemig::http
