// The command line: defaults, DATABASE_PATH, and usage errors (exit code 2).
#include "safemig/metrics_server/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <vector>

namespace safemig::metrics_server {
namespace {

using ::testing::HasSubstr;

std::variant<Options, int> parse(std::vector<const char*> args, std::string* err_text = nullptr) {
  args.insert(args.begin(), "metrics-server");
  std::ostringstream out, err;
  auto result = parse_options(static_cast<int>(args.size()), args.data(), out, err);
  if (err_text != nullptr) *err_text = err.str();
  return result;
}

TEST(Options, DefaultsAndFlags) {
  ::unsetenv("DATABASE_PATH");
  const auto parsed = parse({"--db", "/tmp/x.db"});
  ASSERT_TRUE(std::holds_alternative<Options>(parsed));
  const auto& o = std::get<Options>(parsed);
  EXPECT_EQ(o.db_path, "/tmp/x.db");
  EXPECT_EQ(o.listen, "127.0.0.1:9090");
  EXPECT_EQ(o.top_models, 20u);
  const auto custom = parse({"--db", "a.db", "--listen", "127.0.0.1:0", "--top-models", "3"});
  ASSERT_TRUE(std::holds_alternative<Options>(custom));
  EXPECT_EQ(std::get<Options>(custom).listen, "127.0.0.1:0");
  EXPECT_EQ(std::get<Options>(custom).top_models, 3u);
}

TEST(Options, DatabasePathFromTheEnvironment) {
  ::setenv("DATABASE_PATH", "/tmp/env.db", 1);
  const auto parsed = parse({});
  ::unsetenv("DATABASE_PATH");
  ASSERT_TRUE(std::holds_alternative<Options>(parsed));
  EXPECT_EQ(std::get<Options>(parsed).db_path, "/tmp/env.db");
}

TEST(Options, UsageErrorsExitWith2) {
  ::unsetenv("DATABASE_PATH");
  std::string err;
  EXPECT_EQ(std::get<int>(parse({}, &err)), 2);
  EXPECT_THAT(err, HasSubstr("--db"));
  EXPECT_EQ(std::get<int>(parse({"--db", "a", "--bogus"}, &err)), 2);
  EXPECT_EQ(std::get<int>(parse({"--db", "a", "--top-models", "zero"}, &err)), 2);
  EXPECT_EQ(std::get<int>(parse({"--db", "a", "--log-level", "loud"}, &err)), 2);
  EXPECT_EQ(std::get<int>(parse({"--db", ""}, &err)), 2);
  EXPECT_THAT(err, HasSubstr("--db: the database path is empty"));
  EXPECT_EQ(std::get<int>(parse({"--help"})), 0);
}

}  // namespace
}  // namespace safemig::metrics_server
