// GET /healthz (see health.h).
//
// Thread safety: leases its own connection.
#include "safemig/metrics_server/health.h"

#include <boost/json/object.hpp>

#include "safemig/app/history.h"
#include "safemig/db/transaction.h"
#include "safemig/migrate/history.h"

namespace safemig::metrics_server {
namespace {

Result<int> read_schema_version(ReadOnlyDatabase& database) {
  SAFEMIG_TRY(auto lease, database.acquire());
  auto version = [&]() -> Result<int> {
    SAFEMIG_TRY(auto snapshot,
                db::Transaction::begin(lease.connection(), db::TransactionMode::deferred));
    SAFEMIG_TRY(const int v, migrate::read_current_version(lease.connection()));
    SAFEMIG_TRY_VOID(snapshot.commit());
    return v;
  }();
  if (!version) lease.discard();
  return version;
}

}  // namespace

http::Response healthz(const http::Request& request, ReadOnlyDatabase& database,
                       bool token_usage_ready) {
  namespace bhttp = boost::beast::http;
  boost::json::object body;
  const auto version = read_schema_version(database);
  if (!version) {
    body["status"] = "unavailable";
    body["error"] = version.error().describe();
    body["expected_schema_version"] = app::kLatestVersion;
    body["database"] = database.path();
    return http::json_response(request, bhttp::status::service_unavailable, body);
  }
  const bool current = *version == app::kLatestVersion;
  body["status"] = current ? "ok" : "schema_mismatch";
  body["schema_version"] = *version;
  body["expected_schema_version"] = app::kLatestVersion;
  body["schema_up_to_date"] = current;
  body["token_usage_ready"] = token_usage_ready;
  body["database"] = database.path();
  return http::json_response(request, bhttp::status::ok, body);
}

}  // namespace safemig::metrics_server
