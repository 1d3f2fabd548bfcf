// The JSON API of the metrics server: /api/v1/requests, /api/v1/metrics, /api/v1/timeseries.
//
// Each handler is a pure function from request to response over the read-only database (no
// sockets): it parses and checks the parameters (400 with what was expected), borrows one
// read-only connection, runs one reader call (one short read transaction) and answers JSON.
// Database failures answer 503 (unavailable, busy) or 500.
//
// Thread safety: handlers may run concurrently; each uses its own leased connection.
#pragma once

#include <functional>

#include "safemig/dao/time.h"
#include "safemig/error.h"
#include "safemig/http/message.h"
#include "safemig/metrics_server/read_only_database.h"

namespace safemig::metrics_server {

// The current time; injected so that tests control the default range.
using Clock = std::function<dao::TimePoint()>;
// The system clock, truncated to milliseconds.
dao::TimePoint system_now();

// The error reply for a failed reader or database call: 400 for invalid_input about the request
// (one without SQL), 503 for a database that cannot be read now (missing, busy, locked, io;
// schema_mismatch for one at another schema version), 500 database_error for a statement the
// database refused (its tables differ from its version's), 500 internal_error otherwise.
http::Response error_response(const http::Request& request, const Error& error);

class Api {
 public:
  // `database` must outlive the Api.
  Api(ReadOnlyDatabase& database, Clock now) : database_(&database), now_(std::move(now)) {}

  // GET /api/v1/requests?start=&end=&model=&limit=&cursor=&order=
  http::Response requests(const http::Request& request) const;
  // GET /api/v1/metrics?start=&end=&model=
  http::Response metrics(const http::Request& request) const;
  // GET /api/v1/timeseries?start=&end=&step=&model=
  http::Response timeseries(const http::Request& request) const;

 private:
  ReadOnlyDatabase* database_;
  Clock now_;
};

}  // namespace safemig::metrics_server
