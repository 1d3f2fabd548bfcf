// Parsing of the JSON API's query parameters. Every function either returns a checked value or
// invalid_input with a message that names the parameter, quotes what was sent and says what was
// expected (the 400 body).
//
// Thread safety: pure functions over value types.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/time.h"
#include "safemig/error.h"

namespace safemig::metrics_server {

// The range used when a request names neither end: the last 24 hours.
inline constexpr std::chrono::hours kDefaultRangeLength{24};

// The decoded parameters of a query string, each name at most once.
class QueryParameters {
 public:
  // Parses the query part of a request target ("/api/v1/metrics?start=…&model=…").
  // Errors: invalid_input for malformed percent-encoding, a name outside `allowed` (the message
  // lists the allowed names), a repeated name, or a name without '='.
  static Result<QueryParameters> parse(std::string_view target,
                                       std::span<const std::string_view> allowed);

  // The value of `name`, when the query has it.
  std::optional<std::string_view> get(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// [start, end) from `start` and `end` (ISO-8601 with offset or Z, or epoch ms). Defaults: end =
// now, start = end - 24 h. Errors: an unparsable time, or start after end.
Result<dao::TimeRange> parse_range(const QueryParameters& query, dao::TimePoint now);

// `model`, when given. Errors: an empty value.
Result<std::optional<std::string>> parse_model(const QueryParameters& query);

// `limit` (default 100). Errors: anything but a whole number in 1..kMaxListLimit.
Result<int> parse_limit(const QueryParameters& query);

// `order`: "desc" (newest first, the default) or "asc".
Result<dao::ListOrder> parse_order(const QueryParameters& query);

// A step: "60s", "5m", "1h", "1d" or plain seconds ("300"); a positive whole number of minutes.
Result<std::chrono::milliseconds> parse_step(std::string_view text);

// `step` when given, else default_step(range).
Result<std::chrono::milliseconds> parse_step_parameter(const QueryParameters& query,
                                                       const dao::TimeRange& range);

// The smallest of 1m, 5m, 15m, 1h, 6h, 1d, 7d that cuts `range` into at most 360 buckets
// (7 days for longer ranges, up to the reader's bucket limit).
std::chrono::milliseconds default_step(const dao::TimeRange& range);

}  // namespace safemig::metrics_server
