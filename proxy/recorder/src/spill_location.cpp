// Spill journal locations (see spill_location.h).
//
// Thread safety: functions over paths.
#include "safemig/proxy/spill_location.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace safemig::proxy {
namespace {

// FNV-1a: stable across builds and platforms, unlike std::hash, so a journal keeps its name.
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

Error dir_error(const std::string& dir, const std::string& problem) {
  return Error(ErrorCode::invalid_input, "--spill-dir '" + dir + "' " + problem).with_file(dir);
}

Result<void> check_writable(const std::string& dir) {
  std::string probe = (std::filesystem::path(dir) / ".safemig-spill-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    const int err = errno;
    return fail(dir_error(dir, std::string("does not take new files (") + std::strerror(err) +
                                   "); make it writable for this user or name another directory"));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

}  // namespace

Result<std::string> spill_path_in_dir(const std::string& dir, const std::string& db_path) {
  if (dir.empty()) {
    return fail(dir_error(dir, "is empty; name an existing directory or leave the option out"));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    return fail(dir_error(dir, std::string("cannot be used (") + std::strerror(err) +
                                   "); create the directory first or name an existing one"));
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(dir_error(dir, "is not a directory; name a directory for the spill journal"));
  }
  SAFEMIG_TRY_VOID(check_writable(dir));
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(db_path, ec);
  if (ec) absolute = db_path;
  absolute = std::filesystem::weakly_canonical(absolute, ec);
  if (ec) absolute = std::filesystem::absolute(db_path, ec);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(absolute.string())));
  const std::string name = absolute.filename().string() + "-" + hex + ".recorder-spill";
  return (std::filesystem::path(dir) / name).string();
}

}  // namespace safemig::proxy
