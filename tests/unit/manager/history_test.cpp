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

TEST(History, ATextVersionIsKeptBesideItsKey) {
  TempDir dir;
  auto conn = db::open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  ASSERT_THAT(ensure_history_table(**conn), IsOk());
  HistoryEntry e = entry(0, Direction::up);
  e.version = *text_order_key("20240314");
  e.version_name = "20240314";
  ASSERT_THAT(append_history(**conn, e), IsOk());
  ASSERT_THAT(append_history(**conn, entry(3, Direction::up)), IsOk());
  auto history = read_history(**conn);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].version, *text_order_key("20240314"));
  EXPECT_EQ((*history)[0].shown_version(), "20240314");
  EXPECT_EQ((*history)[1].version_name, "");
  EXPECT_EQ((*history)[1].shown_version(), "3");
}

// A history table of an earlier release has no version_name column: it reads as numbers, and
// the next step that records a row adds the column.
TEST(History, AnEarlierReleasesTableGainsTheVersionNameColumn) {
  TempDir dir;
  auto conn = db::open_sqlite(dir.file("a.db"));
  ASSERT_THAT(conn, IsOk());
  ASSERT_THAT((*conn)->execute_script(
                  "CREATE TABLE _safemig_history (id INTEGER PRIMARY KEY, version INTEGER NOT "
                  "NULL CHECK (version >= 0), name TEXT NOT NULL, checksum TEXT NOT NULL, "
                  "direction TEXT NOT NULL CHECK (direction IN ('up', 'down')), applied_at TEXT "
                  "NOT NULL, duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0), backup_path "
                  "TEXT NOT NULL DEFAULT '');"
                  "INSERT INTO _safemig_history (version, name, checksum, direction, applied_at, "
                  "duration_ms) VALUES (1, 'a', 'c1', 'up', '2026-01-01T00:00:00.000Z', 5);"),
              IsOk());
  auto before = read_history(**conn);
  ASSERT_THAT(before, IsOk());
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].shown_version(), "1");
  ASSERT_THAT(ensure_history_table(**conn), IsOk());
  ASSERT_THAT(append_history(**conn, entry(2, Direction::up)), IsOk());
  auto after = read_history(**conn);
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].name, "a");
  EXPECT_EQ((*after)[1].version, 2);
  EXPECT_THAT((*conn)->query_int("SELECT count(*) FROM pragma_table_info('_safemig_history') "
                                 "WHERE name = 'version_name'"),
              IsOkAndHolds(1));
}

TEST(History, TimestampsAreIsoUtcWithMilliseconds) {
  EXPECT_TRUE(std::regex_match(utc_timestamp_now(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

}  // namespace
}  // namespace safemig::migrate
