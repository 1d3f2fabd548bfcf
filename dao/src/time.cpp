// Parsing and formatting of the DAO's UTC millisecond instants (see time.h).
//
// Thread safety: pure functions.
#include "safemig/dao/time.h"

#include <array>
#include <cstdio>
#include <limits>
#include <optional>

namespace safemig::dao {
namespace {

constexpr std::string_view kExpected =
    "expected epoch milliseconds (digits only), a date (2026-11-22, midnight UTC) or an "
    "ISO-8601 date-time with an offset or Z (2026-11-22T07:30:00Z, "
    "2026-11-22T08:30:00.123+01:00)";

// Reads exactly `count` digits at `pos`, advancing it.
std::optional<int> read_digits(std::string_view s, std::size_t& pos, std::size_t count) {
  if (pos + count > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool consume(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

tl::unexpected<Error> bad(std::string_view text, std::string_view why) {
  std::string message = "invalid time '" + std::string(text) + "'";
  if (!why.empty()) message += " (" + std::string(why) + ")";
  message += ": " + std::string(kExpected);
  return fail(ErrorCode::invalid_input, std::move(message));
}

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the first and last instants
// ISO-8601's four-digit years can name.
constexpr std::int64_t kEarliestEpochMs = -62'167'219'200'000;
constexpr std::int64_t kLatestEpochMs = 253'402'300'799'999;

Result<TimePoint> parse_epoch_ms(std::string_view text) {
  if (text.size() > 18) return bad(text, "epoch milliseconds after 9999-12-31T23:59:59.999Z");
  std::int64_t value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  if (value > kLatestEpochMs) {
    return bad(text, "epoch milliseconds after 9999-12-31T23:59:59.999Z");
  }
  return from_epoch_ms(value);
}

// Parses "[T ]HH:MM[:SS[.fff…]](Z|±HH:MM|±HHMM)" at `pos`; returns milliseconds since midnight
// minus the offset. A fraction finer than a millisecond rounds up to the next one (see time.h).
Result<std::int64_t> parse_time_of_day(std::string_view text, std::size_t pos) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  const auto hh = read_digits(text, pos, 2);
  if (!hh || !consume(text, pos, ':')) return bad(text, "time must be HH:MM[:SS[.fff]]");
  const auto mm = read_digits(text, pos, 2);
  if (!mm) return bad(text, "time must be HH:MM[:SS[.fff]]");
  int ss = 0;
  std::int64_t fraction_ms = 0;
  bool finer_than_ms = false;
  if (consume(text, pos, ':')) {
    const auto s = read_digits(text, pos, 2);
    if (!s) return bad(text, "seconds must be two digits");
    ss = *s;
    if (consume(text, pos, '.') || consume(text, pos, ',')) {
      std::size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) {
          fraction_ms = fraction_ms * 10 + (text[pos] - '0');
        } else if (text[pos] != '0') {
          finer_than_ms = true;
        }
        ++digits;
        ++pos;
      }
      if (digits == 0 || digits > 9) return bad(text, "fraction of a second must be 1-9 digits");
      for (std::size_t d = digits; d < 3; ++d) fraction_ms *= 10;
      if (finer_than_ms) ++fraction_ms;
    }
  }
  if (*hh > 23 || *mm > 59 || ss > 59) return bad(text, "no such time of day");
  std::int64_t offset_ms = 0;
  if (consume(text, pos, 'Z') || consume(text, pos, 'z')) {
    offset_ms = 0;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto oh = read_digits(text, pos, 2);
    consume(text, pos, ':');
    const auto om = read_digits(text, pos, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return bad(text, "offset must be +HH:MM or -HH:MM");
    offset_ms = sign * milliseconds(hours(*oh) + minutes(*om)).count();
  } else {
    return bad(text, "a date-time needs an offset or Z");
  }
  if (pos != text.size()) return bad(text, "unexpected characters after the offset");
  const milliseconds local =
      hours(*hh) + minutes(*mm) + std::chrono::seconds(ss) + milliseconds(fraction_ms);
  return local.count() - offset_ms;
}

}  // namespace

Result<TimeRange> TimeRange::create(TimePoint start, TimePoint end) {
  if (end < start) {
    return fail(ErrorCode::invalid_input, "invalid time range: start " + format_time(start) +
                                              " is after end " + format_time(end) +
                                              " (expected start <= end)");
  }
  return TimeRange{start, end};
}

Result<TimePoint> parse_time(std::string_view text) {
  if (text.empty()) return bad(text, "empty");
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    return parse_epoch_ms(text);
  }
  std::size_t pos = 0;
  const auto y = read_digits(text, pos, 4);
  if (!y || !consume(text, pos, '-')) return bad(text, "");
  const auto m = read_digits(text, pos, 2);
  if (!m || !consume(text, pos, '-')) return bad(text, "date must be YYYY-MM-DD");
  const auto d = read_digits(text, pos, 2);
  if (!d) return bad(text, "date must be YYYY-MM-DD");
  const std::chrono::year_month_day date{std::chrono::year(*y),
                                         std::chrono::month(static_cast<unsigned>(*m)),
                                         std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok()) return bad(text, "no such date");
  const auto midnight =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::sys_days(date));
  if (pos == text.size()) return midnight;
  if (!(consume(text, pos, 'T') || consume(text, pos, 't') || consume(text, pos, ' '))) {
    return bad(text, "date and time must be separated by T");
  }
  SAFEMIG_TRY(const std::int64_t time_ms, parse_time_of_day(text, pos));
  const TimePoint at = midnight + std::chrono::milliseconds(time_ms);
  if (to_epoch_ms(at) > kLatestEpochMs) {
    return bad(text, "an instant after 9999-12-31T23:59:59.999Z");
  }
  if (to_epoch_ms(at) < kEarliestEpochMs) {
    return bad(text, "an instant before 0000-01-01T00:00:00.000Z");
  }
  return at;
}

std::string format_time(TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss<std::chrono::milliseconds> tod{t - day};
  std::array<char, 40> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<int>(tod.subseconds().count()));
  return std::string(buffer.data());
}

}  // namespace safemig::dao
