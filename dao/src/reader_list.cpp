// CompletionRequestsReader::list: keyset-paged listing of completion requests.
//
// Thread safety: one thread at a time, like the Connection it uses.
#include <string>
#include <vector>

#include "cursor.h"
#include "read_snapshot.h"
#include "record_codec.h"
#include "safemig/dao/completion_requests_reader.h"

namespace safemig::dao {
namespace {

// The SQL of one page. Parameters: ?1 start, ?2 end, ?3 limit + 1, ?4 cursor timestamp,
// ?5 cursor id, ?6 model.
std::string list_sql(const ListQuery& q, bool has_cursor) {
  const bool newest = q.order == ListOrder::newest_first;
  std::string sql = "SELECT " + std::string(internal::kRecordColumns) +
                    " FROM completion_requests WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2";
  if (q.model) sql += " AND model = ?6";
  if (has_cursor)
    sql += newest ? " AND (timestamp_ms, id) < (?4, ?5)" : " AND (timestamp_ms, id) > (?4, ?5)";
  sql += newest ? " ORDER BY timestamp_ms DESC, id DESC" : " ORDER BY timestamp_ms, id";
  return sql + " LIMIT ?3";
}

}  // namespace

Result<ListPage> CompletionRequestsReader::list(const ListQuery& query) const {
  if (query.limit < 1 || query.limit > kMaxListLimit) {
    return fail(ErrorCode::invalid_input, "invalid limit " + std::to_string(query.limit) +
                                              ": expected 1 to " + std::to_string(kMaxListLimit));
  }
  std::optional<internal::CursorPosition> cursor;
  if (query.cursor) {
    SAFEMIG_TRY(cursor, internal::decode_cursor(*query.cursor));
    if (cursor->order != query.order) {
      return fail(ErrorCode::invalid_input,
                  "invalid cursor: it was produced for the other order; expected the "
                  "next_cursor of a previous page with the same order");
    }
  }
  std::vector<db::Value> params{to_epoch_ms(query.range.start), to_epoch_ms(query.range.end),
                                static_cast<std::int64_t>(query.limit) + 1,
                                cursor ? cursor->timestamp_ms : std::int64_t{0},
                                cursor ? cursor->id : std::int64_t{0}};
  if (query.model) params.emplace_back(*query.model);
  if (!query.model && !cursor) params.resize(3);

  SAFEMIG_TRY(auto snapshot, internal::ReadSnapshot::begin(*connection_));
  SAFEMIG_TRY(const auto rows,
              connection_->query_params(list_sql(query, cursor.has_value()), params));
  SAFEMIG_TRY_VOID(snapshot.finish());

  ListPage page;
  const std::size_t take =
      std::min<std::size_t>(rows.size(), static_cast<std::size_t>(query.limit));
  page.records.reserve(take);
  for (std::size_t i = 0; i < take; ++i) page.records.push_back(internal::record_from_row(rows[i]));
  if (rows.size() > take) {
    const CompletionRequest& last = page.records.back();
    page.next_cursor = internal::encode_cursor({to_epoch_ms(last.timestamp), last.id, query.order});
  }
  return page;
}

}  // namespace safemig::dao
