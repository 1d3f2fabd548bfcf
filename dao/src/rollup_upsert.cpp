// Upserting aggregated rollups (see rollup_upsert.h).
//
// Thread safety: uses the given connection from the calling thread only.
#include "rollup_upsert.h"

#include <string>

namespace safemig::dao::internal {
namespace {

std::string values_upsert_sql(RollupTable t) {
  const std::string table(t == RollupTable::minute ? kMinuteRollupTable : kHourRollupTable);
  const std::string key(t == RollupTable::minute ? kMinuteKey : kHourKey);
  std::string columns = key + ", model, is_streaming";
  std::string placeholders = "?, ?, ?";
  std::string updates;
  for (const std::string& c : rollup_value_columns()) {
    columns += ", " + c;
    placeholders += ", ?";
    updates += (updates.empty() ? "" : ", ") + c + " = " + c + " + excluded." + c;
  }
  return "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ") ON CONFLICT (" +
         key + ", model, is_streaming) DO UPDATE SET " + updates;
}

std::string labels_upsert_sql(RollupTable t) {
  const std::string table(t == RollupTable::minute ? kMinuteLabelTable : kHourLabelTable);
  const std::string key(t == RollupTable::minute ? kMinuteKey : kHourKey);
  return "INSERT INTO " + table + " (" + key +
         ", model, is_streaming, label, value, requests) VALUES (?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (" +
         key +
         ", model, is_streaming, label, value) "
         "DO UPDATE SET requests = requests + excluded.requests";
}

const std::string& cached(RollupTable t, bool labels) {
  static const std::string sql[2][2] = {
      {values_upsert_sql(RollupTable::minute), labels_upsert_sql(RollupTable::minute)},
      {values_upsert_sql(RollupTable::hour), labels_upsert_sql(RollupTable::hour)}};
  return sql[t == RollupTable::minute ? 0 : 1][labels ? 1 : 0];
}

}  // namespace

Result<void> upsert_rollups(db::Connection& connection, RollupTable table,
                            const RollupAggregate& aggregate, std::vector<db::Value>& params) {
  for (const auto& [key, values] : aggregate.rollups()) {
    params.clear();
    params.emplace_back(key.bucket_ms);
    params.emplace_back(key.model);
    params.emplace_back(static_cast<std::int64_t>(key.is_streaming ? 1 : 0));
    for (const std::int64_t v : values) params.emplace_back(v);
    SAFEMIG_TRY_VOID(connection.execute_params(cached(table, false), params));
  }
  for (const auto& [key, requests] : aggregate.labels()) {
    params.clear();
    params.emplace_back(key.bucket_ms);
    params.emplace_back(key.model);
    params.emplace_back(static_cast<std::int64_t>(key.is_streaming ? 1 : 0));
    params.emplace_back(key.label);
    params.emplace_back(key.value);
    params.emplace_back(requests);
    SAFEMIG_TRY_VOID(connection.execute_params(cached(table, true), params));
  }
  return {};
}

}  // namespace safemig::dao::internal
