// Implements safemig/backup/verify.h; the contract and the thread-safety rule are stated there.
#include "safemig/backup/verify.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

#include "database_check.h"
#include "file_copy.h"
#include "posix_file.h"
#include "sha256.h"
#include "stored_backup.h"

namespace safemig::backup {
namespace internal {

Error hash_mismatch(const std::string& path, const std::string& expected,
                    const std::string& actual) {
  return Error(ErrorCode::corrupt, "backup " + path + " is corrupt: its SHA-256 is " + actual +
                                       " but " + expected +
                                       " was recorded when it was made; "
                                       "use another backup")
      .with_file(path);
}

Result<bool> is_gzip_backup(const std::string& path) {
  constexpr std::string_view kGz = ".gz";
  if (path.size() > kGz.size() && path.compare(path.size() - kGz.size(), kGz.size(), kGz) == 0) {
    return true;
  }
  SAFEMIG_TRY(UniqueFd fd, open_file(path, O_RDONLY, 0, "cannot open backup"));
  unsigned char magic[2] = {0, 0};
  SAFEMIG_TRY(std::size_t n, read_full(fd.get(), magic, sizeof magic, path));
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

Result<std::pair<UniqueFd, std::string>> make_scratch_file(const std::string& near_path) {
  std::string pattern = near_path + ".scratch-XXXXXX";
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) {
    const char* tmpdir = ::getenv("TMPDIR");
    pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/safemig-scratch-XXXXXX";
    fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
      return fail(os_error(errno, "cannot create a scratch file to decompress " + near_path + " in",
                           dir_name(pattern), "set TMPDIR to a writable directory"));
    }
  }
  return std::make_pair(UniqueFd(fd), pattern);
}

Result<void> verify_stored_file(const std::string& path, const std::string& expected_hex, bool gzip,
                                bool deep, const Progress& progress) {
  if (!gzip) {
    SAFEMIG_TRY(std::string actual, sha256_file(path, progress));
    if (actual != expected_hex) return fail(hash_mismatch(path, expected_hex, actual));
    return check_database_file(path, deep);
  }
  SAFEMIG_TRY(UniqueFd src, open_file(path, O_RDONLY, 0, "cannot open backup"));
  SAFEMIG_TRY(auto scratch, make_scratch_file(path));
  TempFileGuard guard(scratch.second);
  SAFEMIG_TRY(GunzipResult unzipped,
              gunzip_and_hash(FileRef{src.get(), path},
                              FileRef{scratch.first.get(), scratch.second}, progress));
  if (unzipped.copy.sha256 != expected_hex) {
    return fail(hash_mismatch(path, expected_hex, unzipped.copy.sha256));
  }
  if (unzipped.stream_error) return fail(*unzipped.stream_error);
  SAFEMIG_TRY_VOID(scratch.first.close(scratch.second));
  auto checked = check_database_file(scratch.second, deep);
  if (!checked) {
    Error e = checked.error();
    e.message = "the decompressed content of " + path + ": " + e.message;
    return fail(e.with_file(path));
  }
  return {};
}

}  // namespace internal

Result<void> verify_backup(const std::string& backup_path, const VerifyOptions& options) {
  SAFEMIG_TRY(bool exists, internal::path_exists(backup_path));
  if (!exists) {
    return fail(Error(ErrorCode::not_found, "backup " + backup_path +
                                                " does not exist; list backups with `safemig "
                                                "backups`")
                    .with_file(backup_path));
  }
  SAFEMIG_TRY(std::string expected, internal::read_sidecar(backup_path));
  SAFEMIG_TRY(bool gzip, internal::is_gzip_backup(backup_path));
  return internal::verify_stored_file(backup_path, expected, gzip, options.deep, options.progress);
}

}  // namespace safemig::backup
