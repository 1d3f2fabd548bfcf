// v4 add_rollups: per-minute, per-hour and per-day rollups (counts, sums, latency histograms) and
// label counts per model and streaming flag, backfilled from existing rows, so range metrics cost
// O(days + hours + minutes at the edges) instead of O(rows). The writer DAO keeps them current.
//
// Thread safety: pure functions returning values.
#include <string_view>

#include "safemig/dao/rollup_layout.h"
#include "steps.h"
#include "v4_rollup_sql.h"

namespace safemig::app::internal {
namespace {

void values_table(schema::TableBuilder& t, std::string_view key) {
  t.column(std::string(key), "INTEGER").not_null().primary_key(1);
  t.column("model", "TEXT").not_null().primary_key(2);
  t.column("is_streaming", "INTEGER").not_null().primary_key(3);
  for (const std::string& c : dao::rollup_value_columns()) {
    t.column(c, "INTEGER").not_null().default_value("0");
  }
}

void label_table(schema::TableBuilder& t, std::string_view key) {
  t.column(std::string(key), "INTEGER").not_null().primary_key(1);
  t.column("model", "TEXT").not_null().primary_key(2);
  t.column("is_streaming", "INTEGER").not_null().primary_key(3);
  t.column("label", "TEXT").not_null().primary_key(4);
  t.column("value", "TEXT").not_null().primary_key(5);
  t.column("requests", "INTEGER").not_null().default_value("0");
}

}  // namespace

schema::Schema schema_v4() {
  return schema::SchemaBuilder(schema_v3())
      .table(std::string(dao::kMinuteRollupTable),
             [](schema::TableBuilder& t) { values_table(t, dao::kMinuteKey); })
      .table(std::string(dao::kHourRollupTable),
             [](schema::TableBuilder& t) { values_table(t, dao::kHourKey); })
      .table(std::string(dao::kDayRollupTable),
             [](schema::TableBuilder& t) { values_table(t, dao::kDayKey); })
      .table(std::string(dao::kMinuteLabelTable),
             [](schema::TableBuilder& t) { label_table(t, dao::kMinuteKey); })
      .table(std::string(dao::kHourLabelTable),
             [](schema::TableBuilder& t) { label_table(t, dao::kHourKey); })
      .table(std::string(dao::kDayLabelTable),
             [](schema::TableBuilder& t) { label_table(t, dao::kDayKey); })
      .build();
}

migrate::MigrationStep step_v4() {
  migrate::MigrationStep step;
  step.version = 4;
  step.name = "add_rollups";
  step.touched_tables = {kRequestsTable};
  step.up = rollups_up_sql();
  step.down = rollups_down_sql();
  step.row_policy = migrate::RowPolicy::preserve;
  // The rollups are derived from completion_requests, which keeps every row: dropping them on
  // the way down removes nothing that cannot be computed again.
  step.down_touched_tables = {
      std::string(dao::kMinuteRollupTable), std::string(dao::kHourRollupTable),
      std::string(dao::kDayRollupTable),    std::string(dao::kMinuteLabelTable),
      std::string(dao::kHourLabelTable),    std::string(dao::kDayLabelTable)};
  step.down_row_policy = migrate::RowPolicy::declared_change;
  const std::string raw = "(SELECT count(*) FROM completion_requests)";
  for (const std::string_view table :
       {dao::kMinuteRollupTable, dao::kHourRollupTable, dao::kDayRollupTable}) {
    step.verify_sql.push_back("SELECT (SELECT coalesce(sum(requests), 0) FROM " +
                              std::string(table) + ") = " + raw);
  }
  step.expected_schema = schema_v4();
  return step;
}

}  // namespace safemig::app::internal
