// Reading what /metrics shows from the database (see exposition.h).
//
// Thread safety: uses the given connection from the calling thread only.
#include "safemig/db/transaction.h"
#include "safemig/metrics_server/exposition.h"

namespace safemig::metrics_server {

Result<ExpositionData> collect_exposition(db::Connection& connection, TokenUsageTracker* tokens,
                                          dao::TimePoint now, std::size_t top_models) {
  const dao::CompletionRequestsReader reader(connection);
  const dao::TimeRange all_time{dao::TimePoint{}, now};
  dao::Metrics metrics;
  std::map<std::string, std::array<std::int64_t, 2>> requests_by_model;
  {
    // One snapshot for the totals and the per-model split, so that "other" (the totals minus
    // the named models) is exact.
    SAFEMIG_TRY(auto snapshot, db::Transaction::begin(connection, db::TransactionMode::deferred));
    SAFEMIG_TRY(metrics, reader.metrics(all_time));
    for (std::size_t i = 0; i < metrics.models.size() && i < top_models; ++i) {
      const std::string& model = metrics.models[i].model;
      SAFEMIG_TRY(const dao::Metrics one, reader.metrics(all_time, model));
      requests_by_model[model] = {one.non_streaming.requests, one.streaming.requests};
    }
    SAFEMIG_TRY_VOID(snapshot.commit());
  }
  if (tokens == nullptr) {
    ExpositionData data = fold_exposition(metrics, requests_by_model, {}, top_models);
    data.has_token_usage = false;
    return data;
  }
  SAFEMIG_TRY(const TokenUsageByModel usage, tokens->collect(connection));
  return fold_exposition(metrics, requests_by_model, usage, top_models);
}

}  // namespace safemig::metrics_server
