// The latest step that built the rollup tables (V5 add_endpoint_and_maxima) is frozen text (see
// safemig/app/history.h) written for the DAO's rollup layout (safemig/dao/rollup_layout.h,
// safemig/dao/latency_buckets.h) as it was when that step was released. These tests check that
// the DAO still uses that layout, so that its writer upserts into, and its reader sums, the
// tables deployed databases hold. When one fails, the DAO's layout changed: add a step that
// migrates the rollup tables to it and check that step here; never edit an applied step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "safemig/app/history.h"
#include "safemig/dao/latency_buckets.h"
#include "safemig/dao/rollup_layout.h"
#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::app {
namespace {

using ::safemig::testing::IsOk;

struct RollupTable {
  std::string_view name;
  std::string_view key;
};

constexpr RollupTable kValueTables[] = {{dao::kMinuteRollupTable, dao::kMinuteKey},
                                        {dao::kHourRollupTable, dao::kHourKey},
                                        {dao::kDayRollupTable, dao::kDayKey}};
constexpr RollupTable kLabelTables[] = {{dao::kMinuteLabelTable, dao::kMinuteKey},
                                        {dao::kHourLabelTable, dao::kHourKey},
                                        {dao::kDayLabelTable, dao::kDayKey}};

// The step whose rollup tables the DAO writes and reads.
constexpr migrate::Version kRollupStep = 5;

std::vector<std::string> value_table_columns(std::string_view key) {
  std::vector<std::string> columns = {std::string(key), "model", "endpoint", "is_streaming"};
  for (const std::string& c : dao::rollup_value_columns()) columns.push_back(c);
  return columns;
}

std::vector<std::string> label_table_columns(std::string_view key) {
  return {std::string(key), "model", "endpoint", "is_streaming", "label", "value", "requests"};
}

// Every match of `pattern` in `text`, as the list of its capture groups.
std::vector<std::vector<std::string>> matches(const std::string& text, const std::string& pattern) {
  std::vector<std::vector<std::string>> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    std::vector<std::string> groups;
    for (std::size_t i = 1; i < it->size(); ++i) groups.push_back((*it)[i].str());
    out.push_back(std::move(groups));
  }
  return out;
}

class RollupLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = application_history();
    ASSERT_THAT(set, IsOk());
    const migrate::MigrationStep* step = set->find(kRollupStep);
    ASSERT_NE(step, nullptr);
    up_ = std::get<std::string>(step->up);

    auto connection = db::open_sqlite(dir_.file("rollups.db"));
    ASSERT_THAT(connection, IsOk());
    connection_ = std::move(*connection);
    for (migrate::Version v = 1; v <= kRollupStep; ++v) {
      ASSERT_THAT(connection_->execute_script(std::get<std::string>(set->find(v)->up)), IsOk());
    }
  }

  std::vector<std::string> live_columns(std::string_view table) {
    auto rows = connection_->query("SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                                   {std::string(table)});
    EXPECT_THAT(rows, IsOk()) << table;
    std::vector<std::string> out;
    if (rows) {
      for (const db::Row& row : *rows) out.push_back(row.text(0));
    }
    return out;
  }

  static std::vector<std::string> expected_columns(std::string_view table) {
    std::vector<std::string> out;
    const schema::Schema schema = expected_schema_v(kRollupStep);
    const auto it = schema.tables.find(std::string(table));
    if (it == schema.tables.end()) return out;
    for (const schema::Column& c : it->second.columns) out.push_back(c.name);
    return out;
  }

  safemig::testing::TempDir dir_;
  std::unique_ptr<db::Connection> connection_;
  std::string up_;
};

TEST_F(RollupLayoutTest, RollupTablesHaveTheDaoColumns) {
  for (const RollupTable& t : kValueTables) {
    EXPECT_EQ(live_columns(t.name), value_table_columns(t.key)) << t.name;
    EXPECT_EQ(expected_columns(t.name), value_table_columns(t.key)) << t.name;
  }
  for (const RollupTable& t : kLabelTables) {
    EXPECT_EQ(live_columns(t.name), label_table_columns(t.key)) << t.name;
    EXPECT_EQ(expected_columns(t.name), label_table_columns(t.key)) << t.name;
  }
}

TEST_F(RollupLayoutTest, BackfillsInsertTheDaoColumns) {
  std::map<std::string, std::vector<std::string>> inserted;
  for (const auto& m : matches(up_, R"(INSERT INTO (\w+) \(([^)]*)\))")) {
    std::vector<std::string> columns;
    const std::regex comma(R"(,\s*)");
    for (auto it = std::sregex_token_iterator(m[1].begin(), m[1].end(), comma, -1);
         it != std::sregex_token_iterator(); ++it) {
      columns.push_back(it->str());
    }
    inserted[m[0]] = columns;
  }
  ASSERT_EQ(inserted.size(), 6u);
  for (const RollupTable& t : kValueTables) {
    EXPECT_EQ(inserted[std::string(t.name)], value_table_columns(t.key)) << t.name;
  }
  for (const RollupTable& t : kLabelTables) {
    EXPECT_EQ(inserted[std::string(t.name)], label_table_columns(t.key)) << t.name;
  }
}

TEST_F(RollupLayoutTest, BackfillCountsTheDaoLatencyBuckets) {
  // The bucket conditions of the response time, TTFT and TTLT histograms, in column order.
  std::vector<std::string> expected;
  for (const char* column :
       {"response_time_ms", "time_to_first_token_ms", "time_to_last_token_ms"}) {
    const std::string c(column);
    const auto& bounds = dao::kLatencyBucketBoundsMs;
    expected.push_back(c + " <= " + std::to_string(bounds.front()));
    for (std::size_t i = 1; i < bounds.size(); ++i) {
      expected.push_back(c + " > " + std::to_string(bounds[i - 1]) + " AND " + c +
                         " <= " + std::to_string(bounds[i]));
    }
    expected.push_back(c + " > " + std::to_string(bounds.back()));
  }
  ASSERT_EQ(expected.size(), 3 * dao::kLatencyBucketCount);

  std::vector<std::string> actual;
  for (const auto& m :
       matches(up_, R"(coalesce\(sum\((\w+ (<=|>) \d+( AND \w+ <= \d+)?)\), 0\))")) {
    actual.push_back(m[0]);
  }
  EXPECT_EQ(actual, expected);
}

TEST_F(RollupLayoutTest, CoarserLevelsUseTheDaoUnits) {
  // Each level's key is its source key rounded down to the DAO's unit.
  std::map<std::string, std::set<std::string>> units;
  for (const auto& m : matches(up_, R"((\w+) / (\d+) \* (\d+))")) {
    EXPECT_EQ(m[1], m[2]) << m[0];
    units[m[0]].insert(m[1]);
  }
  const std::map<std::string, std::set<std::string>> expected = {
      {"timestamp_ms", {std::to_string(dao::kMinuteMs)}},
      {std::string(dao::kMinuteKey), {std::to_string(dao::kHourMs)}},
      {std::string(dao::kHourKey), {std::to_string(dao::kDayMs)}}};
  EXPECT_EQ(units, expected);
}

TEST_F(RollupLayoutTest, LabelBackfillCountsTheDaoLabels) {
  std::set<std::string> labels;
  for (const auto& m : matches(up_, R"(is_streaming != 0, '(\w+)', )")) labels.insert(m[0]);
  const std::set<std::string> expected = {std::string(dao::kLabelErrorType),
                                          std::string(dao::kLabelFinishReason),
                                          std::string(dao::kLabelStatusCode)};
  EXPECT_EQ(labels, expected);
}

}  // namespace
}  // namespace safemig::app
