// Implements sha256.h; the contract and the thread-safety rule are stated there.
#include "sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "posix_file.h"

namespace safemig::backup::internal {

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Result<Sha256> Sha256::create() {
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return fail(ErrorCode::internal, "OpenSSL could not initialise SHA-256");
  }
  return Sha256(std::move(ctx));
}

Result<void> Sha256::update(const void* data, std::size_t size) {
  if (!ctx_ || EVP_DigestUpdate(ctx_.get(), data, size) != 1) {
    return fail(ErrorCode::internal, "OpenSSL SHA-256 update failed");
  }
  return {};
}

Result<std::string> Sha256::finish_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ctx_ || EVP_DigestFinal_ex(ctx_.get(), digest, &length) != 1) {
    return fail(ErrorCode::internal, "OpenSSL SHA-256 finalisation failed");
  }
  ctx_.reset();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

Result<std::string> sha256_file(const std::string& path, const Progress& progress) {
  SAFEMIG_TRY(UniqueFd fd, open_file(path, O_RDONLY, 0, "cannot open"));
  SAFEMIG_TRY(std::uint64_t total, file_size(fd.get(), path));
  SAFEMIG_TRY(Sha256 hasher, Sha256::create());
  std::vector<unsigned char> buffer(std::size_t{4} << 20);
  std::uint64_t done = 0;
  for (;;) {
    SAFEMIG_TRY(std::size_t n, read_full(fd.get(), buffer.data(), buffer.size(), path));
    if (n == 0) break;
    SAFEMIG_TRY_VOID(hasher.update(buffer.data(), n));
    done += n;
    if (progress) progress(done, std::max(done, total));
  }
  return hasher.finish_hex();
}

std::string sidecar_path(const std::string& backup_path) { return backup_path + ".sha256"; }

std::string sidecar_line(const std::string& hex, const std::string& backup_path) {
  return hex + "  " + base_name(backup_path) + "\n";
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(),
                                          [](unsigned char c) { return std::isxdigit(c) != 0; });
}

Result<std::string> read_sidecar(const std::string& backup_path) {
  const std::string path = sidecar_path(backup_path);
  auto fd = open_file(path, O_RDONLY, 0, "cannot open the checksum file");
  if (!fd) {
    if (fd.error().code == ErrorCode::not_found) {
      return fail(Error(ErrorCode::not_found,
                        "the checksum file " + path + " of backup " + backup_path +
                            " is missing, so the backup cannot be verified; restore it from "
                            "where the backup came from, or restore with --force")
                      .with_file(path));
    }
    return fail(fd.error());
  }
  char buffer[256];
  SAFEMIG_TRY(std::size_t n, read_full(fd->get(), buffer, sizeof buffer, path));
  std::string head(buffer, std::min<std::size_t>(n, 64));
  if (!is_sha256_hex(head)) {
    return fail(Error(ErrorCode::corrupt, "the checksum file " + path +
                                              " does not start with a SHA-256 hash; recreate it "
                                              "with `sha256sum` or delete the backup")
                    .with_file(path));
  }
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return head;
}

Result<void> write_sidecar(const std::string& backup_path, const std::string& hex) {
  const std::string path = sidecar_path(backup_path);
  const std::string tmp = path + ".partial";
  TempFileGuard guard(tmp);
  SAFEMIG_TRY(UniqueFd fd,
              open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, "cannot write the checksum file",
                        "make the directory writable"));
  const std::string line = sidecar_line(hex, backup_path);
  SAFEMIG_TRY_VOID(write_all(fd.get(), line.data(), line.size(), tmp));
  SAFEMIG_TRY_VOID(fsync_fd(fd.get(), tmp));
  SAFEMIG_TRY_VOID(fd.close(tmp));
  SAFEMIG_TRY_VOID(rename_replace(tmp, path));
  guard.release();
  return {};
}

}  // namespace safemig::backup::internal
