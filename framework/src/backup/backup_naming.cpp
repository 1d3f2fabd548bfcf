// Implements backup_naming.h; the contract and the thread-safety rule are stated there.
#include "backup_naming.h"

#include <fcntl.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <vector>

#include "posix_file.h"
#include "safemig/utc_time.h"
#include "sha256.h"

namespace safemig::backup::internal {
namespace {

// Sequences a name may carry: far beyond any count of backups, and printable in a name.
constexpr std::int64_t kMaxSequence = std::int64_t{1} << 62;
constexpr std::string_view kSequenceFileSuffix = ".safemig-backup-sequence";

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A non-negative decimal that fits std::int64_t, without a sign or a leading '+'.
std::optional<std::int64_t> to_int64(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<int> to_int(std::string_view s) {
  auto value = to_int64(s);
  if (!value || *value > 9999) return std::nullopt;
  return static_cast<int>(*value);
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
  if (date.size() != 8 || time.size() != 6 || !all_digits(date) || !all_digits(time)) {
    return std::nullopt;
  }
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

struct SuffixKind {
  std::string_view suffix;
  BackupFileKind kind;
};

// Longest first where one suffix ends another (".sha256.partial" before ".partial").
constexpr std::array<SuffixKind, 7> kBelongingSuffixes = {{
    {".sha256.partial", BackupFileKind::temporary},
    {".partial-raw", BackupFileKind::temporary},
    {".partial", BackupFileKind::temporary},
    {".sha256", BackupFileKind::sidecar},
    {"-wal", BackupFileKind::sqlite_side_file},
    {"-shm", BackupFileKind::sqlite_side_file},
    {"-journal", BackupFileKind::sqlite_side_file},
}};

Error damaged_sequence_file(const std::string& path, const std::string& why) {
  return Error(ErrorCode::corrupt,
               "the backup sequence file " + path + " is damaged (" + why +
                   "); it records the highest backup number so that no backup name is used "
                   "twice: write a number at least as high as the last backup's '-<n>' "
                   "suffix into it, or delete it to continue from the backups present")
      .with_file(path);
}

Result<void> write_backup_sequence(const std::string& db_path, std::int64_t sequence) {
  const std::string path = backup_sequence_path(db_path);
  const std::string tmp = path + ".partial";
  TempFileGuard guard(tmp);
  SAFEMIG_TRY(UniqueFd fd,
              open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644,
                        "cannot record the backup sequence in", "make the directory writable"));
  const std::string text = std::to_string(sequence) + "\n";
  SAFEMIG_TRY_VOID(write_all(fd.get(), text.data(), text.size(), tmp));
  SAFEMIG_TRY_VOID(fsync_fd(fd.get(), tmp));
  SAFEMIG_TRY_VOID(fd.close(tmp));
  SAFEMIG_TRY_VOID(rename_replace(tmp, path));
  guard.release();
  return {};
}

}  // namespace

std::string utc_stamp(TimePoint t) { return format_utc_time(t, "%Y%m%d-%H%M%S"); }

bool is_valid_label(const std::string& label) {
  if (label == "wal" || label == "shm" || label == "journal") return false;
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
  if (name.sequence >= 1) out += "-" + std::to_string(name.sequence);
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
  auto version = to_int64(std::string_view(parts[2]).substr(1));
  if (!version) return std::nullopt;
  name.created_at = *created;
  name.version = *version;
  std::size_t next = 3;
  if (next < parts.size() && !all_digits(parts[next])) {
    if (!is_valid_label(parts[next])) return std::nullopt;
    name.label = parts[next++];
  }
  if (next < parts.size()) {
    auto sequence = to_int64(parts[next++]);
    if (!sequence || *sequence < 1 || *sequence > kMaxSequence) return std::nullopt;
    name.sequence = *sequence;
  }
  if (next != parts.size()) return std::nullopt;
  return name;
}

std::optional<BackupFile> classify_backup_file(const std::string& db_base,
                                               const std::string& file_name) {
  if (auto name = parse_backup_name(db_base, file_name)) {
    return BackupFile{*name, BackupFileKind::backup, file_name};
  }
  for (const auto& [suffix, kind] : kBelongingSuffixes) {
    if (!std::string_view(file_name).ends_with(suffix)) continue;
    std::string stem = file_name.substr(0, file_name.size() - suffix.size());
    if (auto name = parse_backup_name(db_base, stem)) {
      return BackupFile{*name, kind, std::move(stem)};
    }
  }
  return std::nullopt;
}

std::string backup_sequence_path(const std::string& db_path) {
  return db_path + std::string(kSequenceFileSuffix);
}

Result<std::int64_t> read_backup_sequence(const std::string& db_path) {
  const std::string path = backup_sequence_path(db_path);
  auto fd = open_file(path, O_RDONLY, 0, "cannot read the backup sequence file");
  if (!fd) {
    if (fd.error().code == ErrorCode::not_found) return std::int64_t{0};
    return fail(fd.error());
  }
  char buffer[64];
  SAFEMIG_TRY(std::size_t n, read_full(fd->get(), buffer, sizeof buffer, path));
  std::string_view text(buffer, n);
  if (text.ends_with('\n')) text.remove_suffix(1);
  auto value = to_int64(text);
  if (!value || *value > kMaxSequence) {
    return fail(damaged_sequence_file(
        path, n == sizeof buffer ? "it is too long" : "it does not hold a backup number"));
  }
  return *value;
}

Result<std::pair<BackupName, std::string>> choose_backup_path(const std::string& db_path,
                                                              BackupName name) {
  const std::string dir = dir_name(db_path);
  const std::string base = base_name(db_path);
  SAFEMIG_TRY(std::int64_t highest, read_backup_sequence(db_path));
  SAFEMIG_TRY(std::vector<std::string> entries,
              list_directory(dir, "cannot list the backups in directory"));
  for (const std::string& entry : entries) {
    // A temporary's name was never published, so nothing can refer to it.
    auto file = classify_backup_file(base, entry);
    if (file && file->kind != BackupFileKind::temporary) {
      highest = std::max(highest, file->name.sequence);
    }
  }
  if (highest >= kMaxSequence) {
    const std::string sequence_file = backup_sequence_path(db_path);
    return fail(Error(ErrorCode::failed_precondition,
                      "the backups of " + db_path + " have used every backup number up to " +
                          std::to_string(highest) + "; move its backups and " + sequence_file +
                          " to another directory, and numbering starts again at 1")
                    .with_file(sequence_file));
  }
  for (name.sequence = highest + 1;; ++name.sequence) {
    std::string path = dir + "/" + backup_file_name(base, name);
    SAFEMIG_TRY(bool taken, path_exists(path));
    SAFEMIG_TRY(bool sidecar_taken, path_exists(sidecar_path(path)));
    if (taken || sidecar_taken) continue;
    SAFEMIG_TRY_VOID(write_backup_sequence(db_path, name.sequence));
    return std::make_pair(name, path);
  }
}

std::string failed_database_path(const std::string& db_path, TimePoint t, int sequence) {
  std::string out = db_path + ".failed-" + utc_stamp(t);
  if (sequence >= 2) out += "-" + std::to_string(sequence);
  return out;
}

}  // namespace safemig::backup::internal
