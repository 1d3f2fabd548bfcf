// CompletionRequestsReader::token_counts_after: the token columns of the rows after an id.
//
// Thread safety: one thread at a time, like the Connection it uses.
#include <string>
#include <vector>

#include "read_snapshot.h"
#include "safemig/dao/completion_requests_reader.h"

namespace safemig::dao {
namespace {

// A range scan of the rowid (id is INTEGER PRIMARY KEY), so a call costs O(limit) whatever the
// table's size. Parameters: ?1 after_id, ?2 limit.
constexpr const char* kTokenCountsSql =
    "SELECT id, model, prompt_tokens, completion_tokens FROM completion_requests "
    "WHERE id > ?1 ORDER BY id LIMIT ?2";

}  // namespace

Result<std::vector<RequestTokenCounts>> CompletionRequestsReader::token_counts_after(
    std::int64_t after_id, std::size_t limit) const {
  if (after_id < 0) {
    return fail(ErrorCode::invalid_input,
                "invalid after_id " + std::to_string(after_id) +
                    ": expected 0 (from the first row) or the id of a row already received");
  }
  if (limit < 1 || limit > kMaxTokenCountsLimit) {
    return fail(ErrorCode::invalid_input, "invalid limit " + std::to_string(limit) +
                                              ": expected 1 to " +
                                              std::to_string(kMaxTokenCountsLimit));
  }
  const std::vector<db::Value> params{after_id, static_cast<std::int64_t>(limit)};
  SAFEMIG_TRY(auto snapshot, internal::ReadSnapshot::begin(*connection_));
  SAFEMIG_TRY(const auto rows, connection_->query_params(kTokenCountsSql, params));
  SAFEMIG_TRY_VOID(snapshot.finish());

  std::vector<RequestTokenCounts> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) {
    out.push_back({row.int64(0), row.text(1), row.opt_int64(2), row.opt_int64(3)});
  }
  return out;
}

}  // namespace safemig::dao
