// Time values of the DAO: UTC instants with millisecond precision, half-open ranges of them, and
// the one parser/formatter the services use for user-supplied times.
//
// Accepted input (anything else is invalid_input with a message saying what was expected):
//   - epoch milliseconds, all digits:             1795332600000
//   - a date, read as midnight UTC:               2026-11-22
//   - a date-time with an offset or Z:            2026-11-22T07:30:00Z
//                                                 2026-11-22T08:30:00.123+01:00
//     (seconds and the fraction are optional; 'T' may be a space; offsets ±HH:MM or ±HHMM)
// Impossible dates and times (Feb 30, hour 25) are rejected, not normalised, and so are instants
// outside 0000-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z (after applying the offset).
// Instants are kept in whole milliseconds; a fraction finer than that (…00.0015Z) rounds up to
// the next millisecond. Rows are stored in whole milliseconds, so a half-open range [start, end)
// of rounded-up bounds holds exactly the rows of the range that was asked for.
//
// Thread safety: pure functions over value types.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "safemig/error.h"

namespace safemig::dao {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// Milliseconds since the Unix epoch, UTC (the stored representation).
inline std::int64_t to_epoch_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_epoch_ms(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

// A half-open range of instants [start, end).
struct TimeRange {
  TimePoint start;
  TimePoint end;

  // On success the range has start <= end; otherwise invalid_input naming both ends.
  static Result<TimeRange> create(TimePoint start, TimePoint end);
  bool contains(TimePoint t) const { return start <= t && t < end; }
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

// Parses one of the accepted forms above. Errors: invalid_input quoting the input and listing
// the accepted forms.
Result<TimePoint> parse_time(std::string_view text);

// Formats as ISO-8601 UTC with milliseconds: "2026-11-22T07:30:00.000Z".
std::string format_time(TimePoint t);

}  // namespace safemig::dao
