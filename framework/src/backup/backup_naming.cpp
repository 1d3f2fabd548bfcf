// Implements backup_naming.h; the contract and the thread-safety rule are stated there.
#include "backup_naming.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <vector>

#include "posix_file.h"
#include "sha256.h"

namespace safemig::backup::internal {
namespace {

constexpr int kMaxSequence = 10000;

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::optional<int> to_int(const std::string& s) {
  if (!all_digits(s) || s.size() > 9) return std::nullopt;
  int value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

std::optional<TimePoint> parse_stamp(const std::string& date, const std::string& time) {
  if (date.size() != 8 || time.size() != 6) return std::nullopt;
  auto y = to_int(date.substr(0, 4));
  auto mo = to_int(date.substr(4, 2));
  auto d = to_int(date.substr(6, 2));
  auto h = to_int(time.substr(0, 2));
  auto mi = to_int(time.substr(2, 2));
  auto s = to_int(time.substr(4, 2));
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{*y},
                                  std::chrono::month{static_cast<unsigned>(*mo)},
                                  std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(*h) +
         std::chrono::minutes(*mi) + std::chrono::seconds(*s);
}

}  // namespace

std::string utc_stamp(TimePoint t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  struct tm parts {};
  gmtime_r(&seconds, &parts);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
  return buffer;
}

bool is_valid_label(const std::string& label) {
  bool has_non_digit = false;
  for (unsigned char c : label) {
    if (std::isalnum(c) == 0 && c != '_') return false;
    if (std::isdigit(c) == 0) has_non_digit = true;
  }
  return has_non_digit;
}

std::string backup_file_name(const std::string& db_base, const BackupName& name) {
  std::string out =
      db_base + ".backup-" + utc_stamp(name.created_at) + "-v" + std::to_string(name.version);
  if (!name.label.empty()) out += "-" + name.label;
  if (name.sequence >= 2) out += "-" + std::to_string(name.sequence);
  if (name.gzip) out += ".gz";
  return out;
}

std::optional<BackupName> parse_backup_name(const std::string& db_base,
                                            const std::string& file_name) {
  const std::string prefix = db_base + ".backup-";
  if (file_name.size() <= prefix.size() || file_name.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  std::string rest = file_name.substr(prefix.size());
  BackupName name;
  constexpr std::string_view kGz = ".gz";
  if (rest.size() > kGz.size() && rest.compare(rest.size() - kGz.size(), kGz.size(), kGz) == 0) {
    name.gzip = true;
    rest.resize(rest.size() - kGz.size());
  }
  if (rest.find('.') != std::string::npos) return std::nullopt;
  auto parts = split(rest, '-');
  if (parts.size() < 3 || parts.size() > 5) return std::nullopt;
  auto created = parse_stamp(parts[0], parts[1]);
  if (!created || parts[2].size() < 2 || parts[2][0] != 'v') return std::nullopt;
  auto version = to_int(parts[2].substr(1));
  if (!version) return std::nullopt;
  name.created_at = *created;
  name.version = *version;
  std::size_t next = 3;
  if (next < parts.size() && !all_digits(parts[next])) {
    if (!is_valid_label(parts[next])) return std::nullopt;
    name.label = parts[next++];
  }
  if (next < parts.size()) {
    auto sequence = to_int(parts[next++]);
    if (!sequence || *sequence < 2) return std::nullopt;
    name.sequence = *sequence;
  }
  if (next != parts.size()) return std::nullopt;
  return name;
}

Result<std::pair<BackupName, std::string>> choose_backup_path(const std::string& db_path,
                                                              BackupName name) {
  const std::string dir = dir_name(db_path);
  const std::string base = base_name(db_path);
  for (; name.sequence < kMaxSequence; ++name.sequence) {
    std::string path = dir + "/" + backup_file_name(base, name);
    SAFEMIG_TRY(bool taken, path_exists(path));
    if (taken) continue;
    SAFEMIG_TRY(bool sidecar_taken, path_exists(sidecar_path(path)));
    if (sidecar_taken) continue;
    return std::make_pair(name, path);
  }
  return fail(ErrorCode::io, "no free backup name for " + db_path + " at " +
                                 utc_stamp(name.created_at) +
                                 "; prune old backups (safemig prune --keep N)");
}

std::string failed_database_path(const std::string& db_path, TimePoint t, int sequence) {
  std::string out = db_path + ".failed-" + utc_stamp(t);
  if (sequence >= 2) out += "-" + std::to_string(sequence);
  return out;
}

}  // namespace safemig::backup::internal
