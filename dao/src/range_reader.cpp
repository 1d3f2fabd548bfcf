// Reading a time range from the raw table and the rollup tables (see range_reader.h).
//
// Thread safety: uses the given connection from the calling thread only.
#include "range_reader.h"

#include <array>
#include <string_view>
#include <vector>

namespace safemig::dao::internal {
namespace {

// Level 0 is the raw table; levels 1..3 are the minute, hour and day rollups.
constexpr std::size_t kRawLevel = 0;
constexpr std::size_t kLevelCount = 4;
constexpr std::array<std::int64_t, kLevelCount> kUnitMs = {1, kMinuteMs, kHourMs, kDayMs};
constexpr std::array<std::string_view, kLevelCount> kValuesTable = {
    "", kMinuteRollupTable, kHourRollupTable, kDayRollupTable};
constexpr std::array<std::string_view, kLevelCount> kLabelTable = {"", kMinuteLabelTable,
                                                                   kHourLabelTable, kDayLabelTable};
constexpr std::array<std::string_view, kLevelCount> kKeyColumn = {"", kMinuteKey, kHourKey,
                                                                  kDayKey};

// The requests of [from_ms, to_ms), read from the rows of `level`.
struct Piece {
  std::size_t level = kRawLevel;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
};

// Splits [a, b) (aligned to level's unit) into pieces of `level` and coarser levels up to `top`.
// The ends are moved inwards to the next boundary of the next level, which then covers the
// middle, and the remainders are read at this level: each is shorter than one unit of the next
// level, so a range costs a bounded number of rows per level, not O(units).
void split(std::size_t level, std::size_t top, std::int64_t a, std::int64_t b,
           std::vector<Piece>& out) {
  if (a >= b) return;
  if (level == top) {
    out.push_back({level, a, b});
    return;
  }
  const std::int64_t unit = kUnitMs[level + 1];
  const std::int64_t wa = floor_to(a, unit) == a ? a : floor_to(a, unit) + unit;
  const std::int64_t wb = floor_to(b, unit);
  if (wa >= wb) {
    out.push_back({level, a, b});
    return;
  }
  if (a < wa) out.push_back({level, a, wa});
  if (wb < b) out.push_back({level, wb, b});
  split(level + 1, top, wa, wb, out);
}

// The coarsest level whose units never straddle two buckets of `step_ms`.
std::size_t top_level(std::int64_t step_ms) {
  std::size_t top = 1;  // Steps are whole minutes.
  while (top + 1 < kLevelCount && (step_ms == kSingleBucket || step_ms % kUnitMs[top + 1] == 0)) {
    ++top;
  }
  return top;
}

bool filters_model(const RangeRequest& r) { return r.model != nullptr && r.model->has_value(); }

// One range scan of the level's primary key, keyed by bucket of ?3 ms; the rows are summed by the
// caller (summing 65 columns in C++ costs less than SQLite's sum() and GROUP BY sorter).
std::string values_sql(std::size_t level, bool model_filter) {
  const std::string key(kKeyColumn[level]);
  std::string sql = "SELECT (" + key + " / ?3) * ?3, model, endpoint, is_streaming";
  for (const std::string& c : rollup_value_columns()) sql += ", " + c;
  sql +=
      " FROM " + std::string(kValuesTable[level]) + " WHERE " + key + " >= ?1 AND " + key + " < ?2";
  if (model_filter) sql += " AND model = ?4";
  return sql;
}

// One range scan of the level's primary key, summed per bucket of ?3 ms in SQL: a range holds
// several label rows per key, and only their sums are needed.
std::string labels_sql(std::size_t level, bool model_filter) {
  const std::string key(kKeyColumn[level]);
  std::string sql = "SELECT (" + key +
                    " / ?3) * ?3, model, endpoint, is_streaming, label, value, " +
                    "sum(requests) FROM " + std::string(kLabelTable[level]) + " WHERE " + key +
                    " >= ?1 AND " + key + " < ?2";
  if (model_filter) sql += " AND model = ?4";
  return sql + " GROUP BY 1, 2, 3, 4, 5, 6";
}

// The statements' text, built once: the connection caches prepared statements by text.
const std::string& cached_sql(bool labels, std::size_t level, bool model_filter) {
  static const auto sql = [] {
    std::array<std::array<std::array<std::string, 2>, kLevelCount>, 2> out;
    for (std::size_t l = 1; l < kLevelCount; ++l) {
      for (const bool filter : {false, true}) {
        out[0][l][filter ? 1 : 0] = values_sql(l, filter);
        out[1][l][filter ? 1 : 0] = labels_sql(l, filter);
      }
    }
    return out;
  }();
  return sql[labels ? 1 : 0][level][model_filter ? 1 : 0];
}

std::vector<db::Value> params_for(const RangeRequest& r, const Piece& p) {
  std::vector<db::Value> params{p.from_ms, p.to_ms, r.step_ms};
  if (filters_model(r)) params.emplace_back(**r.model);
  return params;
}

Result<void> read_rollups(db::Connection& connection, const RangeRequest& r, const Piece& p,
                          RollupAggregate& out) {
  const std::vector<db::Value> params = params_for(r, p);
  const bool filter = filters_model(r);
  SAFEMIG_TRY(const auto rows, connection.query_params(cached_sql(false, p.level, filter), params));
  RollupValues values{};
  for (const db::Row& row : rows) {
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = row.int64(4 + i);
    out.add_values(row.int64(0), row.text(1), row.text(2), row.int64(3) != 0, values);
  }
  if (!r.with_labels) return {};
  SAFEMIG_TRY(const auto labels,
              connection.query_params(cached_sql(true, p.level, filter), params));
  for (const db::Row& row : labels) {
    out.add_label(row.int64(0), row.text(1), row.text(2), row.int64(3) != 0, row.text(4),
                  row.text(5), row.int64(6));
  }
  return {};
}

Result<void> read_raw_rows(db::Connection& connection, const RangeRequest& r,
                           RollupAggregate& out) {
  if (r.from_ms >= r.to_ms) return {};
  std::string sql =
      "SELECT timestamp_ms, model, is_streaming, success, response_time_ms, prompt_tokens, "
      "completion_tokens, total_tokens, time_to_first_token_ms, time_to_last_token_ms, "
      "status_code, finish_reason, error_type, endpoint FROM completion_requests "
      "WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2";
  std::vector<db::Value> params{r.from_ms, r.to_ms};
  if (filters_model(r)) {
    sql += " AND model = ?3";
    params.emplace_back(**r.model);
  }
  SAFEMIG_TRY(const auto rows, connection.query_params(sql, params));
  for (const db::Row& row : rows) {
    const std::string model = row.text(1);
    const std::optional<std::string> finish_reason = row.opt_text(11);
    const std::optional<std::string> error_type = row.opt_text(12);
    const std::string endpoint = row.text(13);
    RollupRequest request;
    request.bucket_ms = floor_to(row.int64(0), r.step_ms);
    request.model = model;
    request.endpoint = endpoint;
    request.is_streaming = row.int64(2) != 0;
    request.input.success = row.int64(3) != 0;
    request.input.response_time_ms = row.int64(4);
    request.input.prompt_tokens = row.opt_int64(5);
    request.input.completion_tokens = row.opt_int64(6);
    request.input.total_tokens = row.opt_int64(7);
    request.input.time_to_first_token_ms = row.opt_int64(8);
    request.input.time_to_last_token_ms = row.opt_int64(9);
    if (r.with_labels) {
      request.status_code = row.opt_int64(10);
      if (finish_reason) request.finish_reason = *finish_reason;
      if (error_type) request.error_type = *error_type;
    }
    out.add(request);
  }
  return {};
}

}  // namespace

Result<void> read_raw(db::Connection& connection, const RangeRequest& r, RollupAggregate& out) {
  return read_raw_rows(connection, r, out);
}

Result<void> read_range(db::Connection& connection, const RangeRequest& r, RollupAggregate& out) {
  if (r.from_ms >= r.to_ms) return {};
  std::vector<Piece> pieces;
  split(kRawLevel, top_level(r.step_ms), r.from_ms, r.to_ms, pieces);
  for (const Piece& p : pieces) {
    if (p.level == kRawLevel) {
      RangeRequest part = r;
      part.from_ms = p.from_ms;
      part.to_ms = p.to_ms;
      SAFEMIG_TRY_VOID(read_raw_rows(connection, part, out));
    } else {
      SAFEMIG_TRY_VOID(read_rollups(connection, r, p, out));
    }
  }
  return {};
}

}  // namespace safemig::dao::internal
