// SQL of v4 add_rollups, generated from the DAO's rollup layout (see v4_rollup_sql.h).
//
// Thread safety: pure functions returning values.
#include "v4_rollup_sql.h"

#include <cstdint>
#include <string_view>

#include "safemig/dao/latency_buckets.h"
#include "safemig/dao/rollup_layout.h"

namespace safemig::app::internal {
namespace {

using dao::kLatencyBucketBoundsMs;
using dao::kLatencyBucketCount;

std::string str(std::string_view s) { return std::string(s); }

std::string create_values_table(std::string_view table, std::string_view key) {
  std::string sql = "CREATE TABLE " + str(table) + " (\n  " + str(key) +
                    " INTEGER NOT NULL,\n  model TEXT NOT NULL,\n  is_streaming INTEGER NOT NULL";
  for (const std::string& c : dao::rollup_value_columns()) {
    sql += ",\n  " + c + " INTEGER NOT NULL DEFAULT 0";
  }
  return sql + ",\n  PRIMARY KEY (" + str(key) + ", model, is_streaming)\n) WITHOUT ROWID;\n";
}

std::string create_label_table(std::string_view table, std::string_view key) {
  return "CREATE TABLE " + str(table) + " (\n  " + str(key) +
         " INTEGER NOT NULL,\n  model TEXT NOT NULL,\n  is_streaming INTEGER NOT NULL,\n"
         "  label TEXT NOT NULL,\n  value TEXT NOT NULL,\n  requests INTEGER NOT NULL DEFAULT 0,\n"
         "  PRIMARY KEY (" +
         str(key) + ", model, is_streaming, label, value)\n) WITHOUT ROWID;\n";
}

// The count of rows whose `column` falls in latency bucket `i` (NULLs count nowhere).
std::string bucket_count(std::string_view column, std::size_t i) {
  const std::string c = str(column);
  std::string condition;
  if (i == 0) {
    condition = c + " <= " + std::to_string(kLatencyBucketBoundsMs[0]);
  } else if (i == kLatencyBucketCount - 1) {
    condition = c + " > " + std::to_string(kLatencyBucketBoundsMs[i - 1]);
  } else {
    condition = c + " > " + std::to_string(kLatencyBucketBoundsMs[i - 1]) + " AND " + c +
                " <= " + std::to_string(kLatencyBucketBoundsMs[i]);
  }
  return "coalesce(sum(" + condition + "), 0)";
}

std::string backfill_minutes() {
  std::string sql = "INSERT INTO " + str(dao::kMinuteRollupTable) + " (" + str(dao::kMinuteKey) +
                    ", model, is_streaming";
  for (const std::string& c : dao::rollup_value_columns()) sql += ", " + c;
  sql +=
      ")\nSELECT timestamp_ms / 60000 * 60000, model, is_streaming != 0, count(*),\n"
      "  coalesce(sum(success != 0), 0), coalesce(sum(success = 0), 0),\n"
      "  coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),\n"
      "  coalesce(sum(total_tokens), 0), coalesce(sum(response_time_ms), 0),\n"
      "  coalesce(sum(time_to_first_token_ms), 0), count(time_to_first_token_ms),\n"
      "  coalesce(sum(time_to_last_token_ms), 0), count(time_to_last_token_ms)";
  for (const std::string_view column :
       {"response_time_ms", "time_to_first_token_ms", "time_to_last_token_ms"}) {
    for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
      sql += ",\n  " + bucket_count(column, i);
    }
  }
  return sql + "\nFROM completion_requests GROUP BY 1, 2, 3;\n";
}

// Sums the rows of the finer values table `from` (key `from_key`) into `to` (key `to_key`),
// whose buckets are `unit_ms` long.
std::string backfill_coarser(std::string_view to, std::string_view to_key, std::string_view from,
                             std::string_view from_key, std::int64_t unit_ms) {
  std::string columns;
  std::string sums;
  for (const std::string& c : dao::rollup_value_columns()) {
    columns += ", " + c;
    sums += ", sum(" + c + ")";
  }
  const std::string unit = std::to_string(unit_ms);
  return "INSERT INTO " + str(to) + " (" + str(to_key) + ", model, is_streaming" + columns +
         ")\nSELECT " + str(from_key) + " / " + unit + " * " + unit + ", model, is_streaming" +
         sums + "\nFROM " + str(from) + " GROUP BY 1, 2, 3;\n";
}

std::string backfill_label(std::string_view label, std::string_view value_expr) {
  return "INSERT INTO " + str(dao::kMinuteLabelTable) + " (" + str(dao::kMinuteKey) +
         ", model, is_streaming, label, value, requests)\nSELECT timestamp_ms / 60000 * 60000, "
         "model, is_streaming != 0, '" +
         str(label) + "', " + str(value_expr) + ", count(*)\nFROM completion_requests WHERE " +
         str(label) + " IS NOT NULL GROUP BY 1, 2, 3, 5;\n";
}

// Sums the label rows of the finer table `from` into `to`, as backfill_coarser().
std::string backfill_coarser_labels(std::string_view to, std::string_view to_key,
                                    std::string_view from, std::string_view from_key,
                                    std::int64_t unit_ms) {
  const std::string unit = std::to_string(unit_ms);
  return "INSERT INTO " + str(to) + " (" + str(to_key) +
         ", model, is_streaming, label, value, requests)\nSELECT " + str(from_key) + " / " + unit +
         " * " + unit + ", model, is_streaming, label, value, sum(requests)\nFROM " + str(from) +
         " GROUP BY 1, 2, 3, 4, 5;\n";
}

}  // namespace

std::string rollups_up_sql() {
  using dao::kDayKey, dao::kHourKey, dao::kMinuteKey;
  return create_values_table(dao::kMinuteRollupTable, kMinuteKey) +
         create_values_table(dao::kHourRollupTable, kHourKey) +
         create_values_table(dao::kDayRollupTable, kDayKey) +
         create_label_table(dao::kMinuteLabelTable, kMinuteKey) +
         create_label_table(dao::kHourLabelTable, kHourKey) +
         create_label_table(dao::kDayLabelTable, kDayKey) + backfill_minutes() +
         backfill_coarser(dao::kHourRollupTable, kHourKey, dao::kMinuteRollupTable, kMinuteKey,
                          dao::kHourMs) +
         backfill_coarser(dao::kDayRollupTable, kDayKey, dao::kHourRollupTable, kHourKey,
                          dao::kDayMs) +
         backfill_label(dao::kLabelErrorType, "error_type") +
         backfill_label(dao::kLabelFinishReason, "finish_reason") +
         backfill_label(dao::kLabelStatusCode, "CAST(status_code AS TEXT)") +
         backfill_coarser_labels(dao::kHourLabelTable, kHourKey, dao::kMinuteLabelTable, kMinuteKey,
                                 dao::kHourMs) +
         backfill_coarser_labels(dao::kDayLabelTable, kDayKey, dao::kHourLabelTable, kHourKey,
                                 dao::kDayMs);
}

std::string rollups_down_sql() {
  std::string sql;
  for (const std::string_view table :
       {dao::kDayLabelTable, dao::kHourLabelTable, dao::kMinuteLabelTable, dao::kDayRollupTable,
        dao::kHourRollupTable, dao::kMinuteRollupTable}) {
    sql += "DROP TABLE " + str(table) + ";\n";
  }
  return sql;
}

}  // namespace safemig::app::internal
