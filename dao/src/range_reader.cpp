// Reading a time range from the raw table and the rollup tables (see range_reader.h).
//
// Thread safety: uses the given connection from the calling thread only.
#include "range_reader.h"

#include <vector>

namespace safemig::dao::internal {
namespace {

enum class Granularity { minute, hour };

std::int64_t ceil_to(std::int64_t ms, std::int64_t unit) {
  const std::int64_t f = floor_to(ms, unit);
  return f == ms ? f : f + unit;
}

std::int64_t bucket_of(std::int64_t t, std::int64_t step) { return floor_to(t, step); }

std::vector<db::Value> params_for(const RangeRequest& r) {
  std::vector<db::Value> params{r.from_ms, r.to_ms, r.step_ms};
  if (r.model != nullptr && r.model->has_value()) params.emplace_back(**r.model);
  return params;
}

bool filters_model(const RangeRequest& r) { return r.model != nullptr && r.model->has_value(); }

std::string rollup_sql(Granularity g, bool model_filter) {
  const std::string_view table = g == Granularity::minute ? kMinuteRollupTable : kHourRollupTable;
  const std::string key(g == Granularity::minute ? kMinuteKey : kHourKey);
  std::string sql = "SELECT (" + key + " / ?3) * ?3, model, is_streaming";
  for (const std::string& c : rollup_value_columns()) sql += ", sum(" + c + ")";
  sql += " FROM " + std::string(table) + " WHERE " + key + " >= ?1 AND " + key + " < ?2";
  if (model_filter) sql += " AND model = ?4";
  return sql + " GROUP BY 1, 2, 3";
}

std::string label_sql(Granularity g, bool model_filter) {
  const std::string_view table = g == Granularity::minute ? kMinuteLabelTable : kHourLabelTable;
  const std::string key(g == Granularity::minute ? kMinuteKey : kHourKey);
  std::string sql = "SELECT (" + key + " / ?3) * ?3, model, is_streaming, label, value, " +
                    "sum(requests) FROM " + std::string(table) + " WHERE " + key + " >= ?1 AND " +
                    key + " < ?2";
  if (model_filter) sql += " AND model = ?4";
  return sql + " GROUP BY 1, 2, 3, 4, 5";
}

Result<void> read_rollups(db::Connection& connection, Granularity g, const RangeRequest& r,
                          RollupAggregate& out) {
  if (r.from_ms >= r.to_ms) return {};
  const std::vector<db::Value> params = params_for(r);
  SAFEMIG_TRY(const auto rows, connection.query_params(rollup_sql(g, filters_model(r)), params));
  RollupValues values{};
  for (const db::Row& row : rows) {
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = row.int64(3 + i);
    out.add_values(row.int64(0), row.text(1), row.int64(2) != 0, values);
  }
  if (!r.with_labels) return {};
  SAFEMIG_TRY(const auto labels, connection.query_params(label_sql(g, filters_model(r)), params));
  for (const db::Row& row : labels) {
    out.add_label(row.int64(0), row.text(1), row.int64(2) != 0, row.text(3), row.text(4),
                  row.int64(5));
  }
  return {};
}

}  // namespace

Result<void> read_raw(db::Connection& connection, const RangeRequest& r, RollupAggregate& out) {
  if (r.from_ms >= r.to_ms) return {};
  std::string sql =
      "SELECT timestamp_ms, model, is_streaming, success, response_time_ms, prompt_tokens, "
      "completion_tokens, total_tokens, time_to_first_token_ms, time_to_last_token_ms, "
      "status_code, finish_reason, error_type FROM completion_requests "
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
    RollupRequest request;
    request.bucket_ms = bucket_of(row.int64(0), r.step_ms);
    request.model = model;
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

Result<void> read_range(db::Connection& connection, const RangeRequest& r, RollupAggregate& out) {
  const std::int64_t m0 = ceil_to(r.from_ms, kMinuteMs);
  const std::int64_t m1 = floor_to(r.to_ms, kMinuteMs);
  auto part = [&r](std::int64_t from, std::int64_t to) {
    RangeRequest p = r;
    p.from_ms = from;
    p.to_ms = to;
    return p;
  };
  if (m0 >= m1) return read_raw(connection, r, out);
  SAFEMIG_TRY_VOID(read_raw(connection, part(r.from_ms, m0), out));
  SAFEMIG_TRY_VOID(read_raw(connection, part(m1, r.to_ms), out));
  const bool hours_fit_buckets = r.step_ms == kSingleBucket || r.step_ms % kHourMs == 0;
  const std::int64_t h0 = ceil_to(m0, kHourMs);
  const std::int64_t h1 = floor_to(m1, kHourMs);
  if (!hours_fit_buckets || h0 >= h1) {
    return read_rollups(connection, Granularity::minute, part(m0, m1), out);
  }
  SAFEMIG_TRY_VOID(read_rollups(connection, Granularity::minute, part(m0, h0), out));
  SAFEMIG_TRY_VOID(read_rollups(connection, Granularity::hour, part(h0, h1), out));
  return read_rollups(connection, Granularity::minute, part(h1, m1), out);
}

}  // namespace safemig::dao::internal
