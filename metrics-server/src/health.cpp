// GET /healthz (see health.h).
//
// Thread safety: leases its own connection.
#include "safemig/metrics_server/health.h"

#include <boost/json/object.hpp>

#include "safemig/app/history.h"

namespace safemig::metrics_server {
namespace {

Result<int> schema_version_of(ReadOnlyDatabase& database) {
  SAFEMIG_TRY(auto lease, database.acquire());
  auto version = read_schema_version(lease.connection());
  if (!version) lease.discard();
  return version;
}

}  // namespace

http::Response healthz(const http::Request& request, ReadOnlyDatabase& database,
                       bool token_usage_ready) {
  namespace bhttp = boost::beast::http;
  boost::json::object body;
  const auto version = schema_version_of(database);
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
