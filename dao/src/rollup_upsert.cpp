// Upserting a batch's rollups (see rollup_upsert.h).
//
// Thread safety: uses the given connection from the calling thread only.
#include "rollup_upsert.h"

#include <array>
#include <charconv>
#include <string>

namespace safemig::dao::internal {
namespace {

struct LevelTables {
  std::string_view values;
  std::string_view labels;
  std::string_view key;
};

constexpr std::array<LevelTables, kRollupLevelCount> kTables = {{
    {kMinuteRollupTable, kMinuteLabelTable, kMinuteKey},
    {kHourRollupTable, kHourLabelTable, kHourKey},
    {kDayRollupTable, kDayLabelTable, kDayKey},
}};

// Key columns before the values: bucket, model, endpoint, is_streaming.
constexpr std::size_t kKeyParams = 4;
constexpr std::size_t kValueParams = kKeyParams + kRollupValueCount;
constexpr std::size_t kLabelParams = kKeyParams + 3;

// Rows per statement. A batch's keys are upserted in as few statements as these sizes allow
// (64 keys: one statement; 70: three): a statement's fixed cost (cache lookup, binding, VDBE
// setup and halt) is paid per statement, not per key, and the set of texts stays small.
constexpr std::array<std::size_t, 4> kChunkRows = {64, 16, 4, 1};

std::string row_placeholders(std::size_t params) {
  std::string row = "(?";
  for (std::size_t i = 1; i < params; ++i) row += ",?";
  return row + ")";
}

std::string rows_placeholders(std::size_t params, std::size_t rows) {
  const std::string row = row_placeholders(params);
  std::string out = row;
  for (std::size_t i = 1; i < rows; ++i) out += "," + row;
  return out;
}

std::string values_upsert_sql(const LevelTables& t, std::size_t rows) {
  const std::string key(t.key);
  std::string columns = key + ", model, endpoint, is_streaming";
  std::string updates;
  const std::vector<std::string>& names = rollup_value_columns();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& c = names[i];
    columns += ", " + c;
    updates += (updates.empty() ? "" : ", ") + c + " = " +
               (is_max_field(i) ? "max(" + c + ", excluded." + c + ")" : c + " + excluded." + c);
  }
  return "INSERT INTO " + std::string(t.values) + " (" + columns + ") VALUES " +
         rows_placeholders(kValueParams, rows) + " ON CONFLICT (" + key +
         ", model, endpoint, is_streaming) DO UPDATE SET " + updates;
}

std::string labels_upsert_sql(const LevelTables& t, std::size_t rows) {
  const std::string key(t.key);
  return "INSERT INTO " + std::string(t.labels) + " (" + key +
         ", model, endpoint, is_streaming, label, value, requests) VALUES " +
         rows_placeholders(kLabelParams, rows) + " ON CONFLICT (" + key +
         ", model, endpoint, is_streaming, label, value) "
         "DO UPDATE SET requests = requests + excluded.requests";
}

struct LevelSql {
  std::array<std::string, kChunkRows.size()> values;  // Per kChunkRows entry.
  std::array<std::string, kChunkRows.size()> labels;
};

const LevelSql& sql_for(std::size_t level) {
  static const std::array<LevelSql, kRollupLevelCount> sql = [] {
    std::array<LevelSql, kRollupLevelCount> out;
    for (std::size_t i = 0; i < kRollupLevelCount; ++i) {
      for (std::size_t c = 0; c < kChunkRows.size(); ++c) {
        out[i].values[c] = values_upsert_sql(kTables[i], kChunkRows[c]);
        out[i].labels[c] = labels_upsert_sql(kTables[i], kChunkRows[c]);
      }
    }
    return out;
  }();
  return sql[level];
}

void set_text(db::Value& slot, std::string_view v) {
  if (auto* s = std::get_if<std::string>(&slot)) {
    s->assign(v);
  } else {
    slot = std::string(v);
  }
}

void set_key(db::Value* p, const BatchRollup::Slot& s) {
  p[0] = s.bucket_ms;
  set_text(p[1], s.model);
  set_text(p[2], s.endpoint);
  p[3] = static_cast<std::int64_t>(s.is_streaming ? 1 : 0);
}

void set_values_row(db::Value* p, const BatchRollup::Level&, const BatchRollup::Slot& s) {
  set_key(p, s);
  for (std::size_t i = 0; i < kRollupValueCount; ++i) p[kKeyParams + i] = s.values[i];
}

void set_label_row(db::Value* p, const BatchRollup::Level& level, const BatchRollup::LabelSlot& l) {
  set_key(p, level.slots[l.slot]);
  set_text(p[kKeyParams], label_name(l.kind));
  if (l.kind == LabelKind::status_code) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, l.code).ptr;
    set_text(p[kKeyParams + 1], std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
  } else {
    set_text(p[kKeyParams + 1], l.text);
  }
  p[kKeyParams + 2] = l.requests;
}

// Upserts `rows` with as few statements as kChunkRows allows; `set_row` writes one row's
// parameters.
template <typename Row, typename SetRow>
Result<void> upsert_rows(db::Connection& connection, const BatchRollup::Level& level,
                         const std::vector<Row>& rows, std::size_t row_params,
                         const std::array<std::string, kChunkRows.size()>& sql,
                         std::vector<db::Value>& params, SetRow set_row) {
  std::size_t next = 0;
  for (std::size_t c = 0; c < kChunkRows.size(); ++c) {
    const std::size_t chunk = kChunkRows[c];
    if (rows.size() - next < chunk) continue;
    if (params.size() < chunk * row_params) params.resize(chunk * row_params);
    const std::span<const db::Value> bound(params.data(), chunk * row_params);
    while (rows.size() - next >= chunk) {
      for (std::size_t i = 0; i < chunk; ++i) {
        set_row(params.data() + i * row_params, level, rows[next + i]);
      }
      SAFEMIG_TRY_VOID(connection.execute_params(sql[c], bound));
      next += chunk;
    }
  }
  return {};
}

Result<void> upsert_level(db::Connection& connection, std::size_t index,
                          const BatchRollup::Level& level, UpsertParams& params) {
  const LevelSql& sql = sql_for(index);
  SAFEMIG_TRY_VOID(upsert_rows(connection, level, level.slots, kValueParams, sql.values,
                               params.values, set_values_row));
  return upsert_rows(connection, level, level.labels, kLabelParams, sql.labels, params.labels,
                     set_label_row);
}

}  // namespace

Result<void> upsert_rollups(db::Connection& connection, const BatchRollup& batch,
                            UpsertParams& params) {
  for (std::size_t i = 0; i < kRollupLevelCount; ++i) {
    SAFEMIG_TRY_VOID(upsert_level(connection, i, batch.level(static_cast<RollupLevel>(i)), params));
  }
  return {};
}

}  // namespace safemig::dao::internal
