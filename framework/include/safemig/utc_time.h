// UTC times as text, in the forms safemig writes into names, history rows and listings.
//
// Thread safety: pure functions (gmtime_r).
#pragma once

#include <chrono>
#include <string>

namespace safemig {

// The whole second of `time`, in UTC, as strftime `format` ("%Y-%m-%dT%H:%M:%SZ").
std::string format_utc_time(std::chrono::system_clock::time_point time, const char* format);

// The milliseconds of `time` within its second, as three digits ("007").
std::string millisecond_digits(std::chrono::system_clock::time_point time);

}  // namespace safemig
