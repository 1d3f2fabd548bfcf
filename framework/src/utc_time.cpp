// Implements safemig/utc_time.h.
#include "safemig/utc_time.h"

#include <cstdio>
#include <ctime>

namespace safemig {
namespace {

// The whole second holding `time` (floor, so that times before 1970 keep their second).
std::chrono::sys_seconds second_of(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time);
}

}  // namespace

std::string format_utc_time(std::chrono::system_clock::time_point time, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(second_of(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  return std::string(buffer, std::strftime(buffer, sizeof buffer, format, &utc));
}

std::string millisecond_digits(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time - second_of(time)).count();
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%03d", static_cast<int>(ms));
  return buffer;
}

}  // namespace safemig
