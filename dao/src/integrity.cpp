// Integrity findings for `safemig verify` (see integrity.h).
//
// Thread safety: uses the given connection from the calling thread only.
#include "safemig/dao/integrity.h"

#include <set>

#include "range_reader.h"
#include "safemig/dao/rollup_layout.h"
#include "safemig/dao/time.h"

namespace safemig::dao {
namespace {

// Most recent minutes compared between raw rows and rollups.
constexpr std::int64_t kSampledMinutes = 32;

constexpr std::string_view kNonNegativeColumns[] = {
    "timestamp_ms",          "response_time_ms",  "max_tokens",   "message_count",
    "prompt_tokens",         "completion_tokens", "total_tokens", "time_to_first_token_ms",
    "time_to_last_token_ms", "tokens_per_second"};

Result<std::set<std::string>> columns_of(db::Connection& c, std::string_view table) {
  SAFEMIG_TRY(const auto rows,
              c.query("SELECT name FROM pragma_table_info(?)", {db::Value(std::string(table))}));
  std::set<std::string> names;
  for (const db::Row& row : rows) names.insert(row.text(0));
  return names;
}

Result<void> check_negative(db::Connection& c, const std::set<std::string>& columns,
                            std::vector<std::string>& findings) {
  for (const std::string_view column : kNonNegativeColumns) {
    if (!columns.contains(std::string(column))) continue;
    const std::string name(column);
    SAFEMIG_TRY(
        const db::Row row,
        c.query_one("SELECT count(*), min(id) FROM completion_requests WHERE " + name + " < 0"));
    if (row.int64(0) > 0) {
      findings.push_back(std::to_string(row.int64(0)) +
                         " row(s) of completion_requests have a "
                         "negative " +
                         name + " (first id " + std::to_string(row.int64(1)) + ")");
    }
  }
  return {};
}

Result<void> check_total_tokens(db::Connection& c, std::vector<std::string>& findings) {
  SAFEMIG_TRY(const db::Row row,
              c.query_one("SELECT count(*), min(id) FROM completion_requests "
                          "WHERE prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL "
                          "AND total_tokens IS NOT NULL "
                          "AND total_tokens != prompt_tokens + completion_tokens"));
  if (row.int64(0) > 0) {
    findings.push_back(std::to_string(row.int64(0)) +
                       " row(s) of completion_requests have total_tokens != prompt_tokens + "
                       "completion_tokens (first id " +
                       std::to_string(row.int64(1)) + ")");
  }
  return {};
}

Result<bool> has_table(db::Connection& c, std::string_view table) {
  SAFEMIG_TRY(const std::int64_t n,
              c.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
                          {db::Value(std::string(table))}));
  return n > 0;
}

std::string minute_text(std::int64_t minute_ms) { return format_time(from_epoch_ms(minute_ms)); }

Result<void> check_rollups(db::Connection& c, bool current_layout,
                           std::vector<std::string>& findings) {
  SAFEMIG_TRY(const std::int64_t raw, c.query_int("SELECT count(*) FROM completion_requests"));
  struct Level {
    std::string_view table;
    const char* name;
  };
  for (const Level level :
       {Level{kMinuteRollupTable, "per-minute"}, Level{kHourRollupTable, "per-hour"},
        Level{kDayRollupTable, "per-day"}}) {
    SAFEMIG_TRY(const std::int64_t sum,
                c.query_int("SELECT coalesce(sum(requests), 0) FROM " + std::string(level.table)));
    if (sum != raw) {
      findings.push_back(std::string(level.name) + " rollups count " + std::to_string(sum) +
                         " requests but completion_requests holds " + std::to_string(raw));
    }
  }
  if (!current_layout) return {};
  SAFEMIG_TRY(const auto minutes,
              c.query("SELECT minute_ms FROM (SELECT DISTINCT timestamp_ms / 60000 * 60000 AS "
                      "minute_ms FROM completion_requests UNION SELECT minute_ms FROM " +
                          std::string(kMinuteRollupTable) + ") ORDER BY minute_ms DESC LIMIT ?",
                      {db::Value(kSampledMinutes)}));
  for (const db::Row& row : minutes) {
    const std::int64_t minute = row.int64(0);
    internal::RangeRequest request;
    request.from_ms = minute;
    request.to_ms = minute + kMinuteMs;
    internal::RollupAggregate from_raw;
    internal::RollupAggregate from_rollups;
    SAFEMIG_TRY_VOID(internal::read_raw(c, request, from_raw));
    SAFEMIG_TRY_VOID(internal::read_range(c, request, from_rollups));
    if (from_raw.rollups() != from_rollups.rollups() ||
        from_raw.labels() != from_rollups.labels()) {
      findings.push_back("rollups of minute " + minute_text(minute) +
                         " differ from the completion_requests rows of that minute");
    }
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> find_integrity_issues(db::Connection& connection) {
  std::vector<std::string> findings;
  SAFEMIG_TRY(const auto columns, columns_of(connection, "completion_requests"));
  if (columns.empty()) return findings;
  SAFEMIG_TRY_VOID(check_negative(connection, columns, findings));
  if (columns.contains("total_tokens")) {
    SAFEMIG_TRY_VOID(check_total_tokens(connection, findings));
  }
  SAFEMIG_TRY(const bool has_rollups, has_table(connection, kMinuteRollupTable));
  SAFEMIG_TRY(const bool has_hours, has_table(connection, kHourRollupTable));
  SAFEMIG_TRY(const bool has_days, has_table(connection, kDayRollupTable));
  // Minutes are compared value by value in the layout the DAO reads (schema v5: keyed by
  // endpoint, with maxima), which a database at an earlier version does not have yet.
  const bool current_layout = columns.contains("endpoint");
  if (has_rollups && has_hours && has_days) {
    SAFEMIG_TRY_VOID(check_rollups(connection, current_layout, findings));
  }
  return findings;
}

}  // namespace safemig::dao
