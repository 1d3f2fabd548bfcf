#include "safemig/migrate/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::migrate {
namespace {

using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;

HistoryEntry entry(int version, Direction direction) {
  HistoryEntry e;
  e.version = version;
  e.name = "step_" + std::to_string(version);
  e.checksum = "c" + std::to_string(version);
  e.direction = direction;
  e.applied_at = utc_timestamp_now();
  return e;
}

TEST(History, MissingTableMeansNoVersion) {
  TempDir dir;
  auto conn = db::open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  EXPECT_THAT(read_current_version(**conn), IsOkAndHolds(kNoVersion));
}

TEST(History, CurrentVersionFollowsUpsAndDowns) {
  TempDir dir;
  auto conn = db::open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  ASSERT_THAT(ensure_history_table(**conn), IsOk());
  for (auto [v, d] : {std::pair{1, Direction::up},
                      {2, Direction::up},
                      {3, Direction::up},
                      {3, Direction::down},
                      {2, Direction::down}}) {
    ASSERT_THAT(append_history(**conn, entry(v, d)), IsOk());
  }
  EXPECT_THAT(read_current_version(**conn), IsOkAndHolds(1));
  ASSERT_THAT(append_history(**conn, entry(2, Direction::up)), IsOk());
  EXPECT_THAT(read_current_version(**conn), IsOkAndHolds(2));
  auto history = read_history(**conn);
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->size(), 6u);
  EXPECT_EQ(applied_entries(*history).size(), 2u);
}

TEST(History, TimestampsAreIsoUtcWithMilliseconds) {
  EXPECT_TRUE(std::regex_match(utc_timestamp_now(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

}  // namespace
}  // namespace safemig::migrate
