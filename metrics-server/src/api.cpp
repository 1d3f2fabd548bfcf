// The JSON API handlers (see api.h).
//
// Thread safety: each call leases its own connection.
#include "safemig/metrics_server/api.h"

#include <array>

#include "safemig/app/history.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/metrics_server/json_view.h"
#include "safemig/metrics_server/query.h"

namespace safemig::metrics_server {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::array<std::string_view, 6> kRequestsParameters = {"start", "end",    "model",
                                                                 "limit", "cursor", "order"};
constexpr std::array<std::string_view, 3> kMetricsParameters = {"start", "end", "model"};
constexpr std::array<std::string_view, 4> kTimeseriesParameters = {"start", "end", "step", "model"};

http::Response bad_request(const http::Request& request, const Error& error) {
  return http::json_error(request, bhttp::status::bad_request, "invalid_request_error",
                          error.message);
}

// True for an error in what the client sent (a parameter or cursor the reader refused). The
// reader's statements are fixed, so a statement the database refuses (it carries its SQL) says
// that the database is not what this build expects, not that the request was wrong.
bool is_client_error(const Error& error) {
  return error.code == ErrorCode::invalid_input && error.sql.empty();
}

// Runs `call` with a reader on a leased connection; a call that failed for any reason but the
// client's drops the connection.
template <typename Call>
auto with_reader(ReadOnlyDatabase& database, Call&& call)
    -> decltype(call(std::declval<const dao::CompletionRequestsReader&>())) {
  SAFEMIG_TRY(auto lease, database.acquire_at_version(app::kLatestVersion));
  const dao::CompletionRequestsReader reader(lease.connection());
  auto result = call(reader);
  if (!result && !is_client_error(result.error())) lease.discard();
  return result;
}

}  // namespace

dao::TimePoint system_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

http::Response error_response(const http::Request& request, const Error& error) {
  if (is_client_error(error)) return bad_request(request, error);
  switch (error.code) {
    case ErrorCode::invalid_input:
      return http::json_error(request, bhttp::status::internal_server_error, "database_error",
                              "the database refused a query of this server (" +
                                  error.message.substr(0, error.message.find(';')) +
                                  "): its tables are not the ones its schema version promises; "
                                  "check it with 'safemig verify --db PATH'");
    case ErrorCode::busy:
    case ErrorCode::locked:
      return http::json_error(request, bhttp::status::service_unavailable, "database_busy",
                              "the database is busy, retry shortly: " + error.message);
    case ErrorCode::failed_precondition:
      return http::json_error(request, bhttp::status::service_unavailable, "schema_mismatch",
                              error.message);
    case ErrorCode::not_found:
    case ErrorCode::not_a_database:
    case ErrorCode::io:
    case ErrorCode::corrupt:
      return http::json_error(request, bhttp::status::service_unavailable, "database_unavailable",
                              "the database cannot be read: " + error.message);
    default:
      return http::json_error(request, bhttp::status::internal_server_error, "internal_error",
                              error.describe());
  }
}

http::Response Api::requests(const http::Request& request) const {
  auto query = QueryParameters::parse(request.target(), kRequestsParameters);
  if (!query) return bad_request(request, query.error());
  dao::ListQuery list;
  auto range = parse_range(*query, now_());
  if (!range) return bad_request(request, range.error());
  auto model = parse_model(*query);
  if (!model) return bad_request(request, model.error());
  auto limit = parse_limit(*query);
  if (!limit) return bad_request(request, limit.error());
  auto order = parse_order(*query);
  if (!order) return bad_request(request, order.error());
  list.range = *range;
  list.model = *model;
  list.limit = *limit;
  list.order = *order;
  if (const auto cursor = query->get("cursor")) list.cursor = std::string(*cursor);
  auto page = with_reader(
      *database_, [&](const dao::CompletionRequestsReader& reader) { return reader.list(list); });
  if (!page) return error_response(request, page.error());
  return http::json_response(request, bhttp::status::ok, requests_page_json(list, *page));
}

http::Response Api::metrics(const http::Request& request) const {
  auto query = QueryParameters::parse(request.target(), kMetricsParameters);
  if (!query) return bad_request(request, query.error());
  auto range = parse_range(*query, now_());
  if (!range) return bad_request(request, range.error());
  auto model = parse_model(*query);
  if (!model) return bad_request(request, model.error());
  auto metrics = with_reader(*database_, [&](const dao::CompletionRequestsReader& reader) {
    return reader.metrics(*range, *model);
  });
  if (!metrics) return error_response(request, metrics.error());
  return http::json_response(request, bhttp::status::ok, metrics_json(*metrics));
}

http::Response Api::timeseries(const http::Request& request) const {
  auto query = QueryParameters::parse(request.target(), kTimeseriesParameters);
  if (!query) return bad_request(request, query.error());
  auto range = parse_range(*query, now_());
  if (!range) return bad_request(request, range.error());
  auto model = parse_model(*query);
  if (!model) return bad_request(request, model.error());
  auto step = parse_step_parameter(*query, *range);
  if (!step) return bad_request(request, step.error());
  auto buckets = with_reader(*database_, [&](const dao::CompletionRequestsReader& reader) {
    return reader.timeseries(*range, *step, *model);
  });
  if (!buckets) return error_response(request, buckets.error());
  return http::json_response(request, bhttp::status::ok,
                             timeseries_json(*range, *model, *step, *buckets));
}

}  // namespace safemig::metrics_server
