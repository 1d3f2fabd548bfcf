// Sha256: incremental SHA-256 through OpenSSL's EVP interface (which uses the CPU's SHA
// instructions), and the `sha256sum` sidecar format.
//
// Thread safety: a Sha256 is used by one thread at a time; the free functions are reentrant.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

struct evp_md_ctx_st;

namespace safemig::backup::internal {

class Sha256 {
 public:
  // A fresh hasher. On failure (OpenSSL could not initialise the digest): internal.
  static Result<Sha256> create();

  Result<void> update(const void* data, std::size_t size);
  // The lower-case hex digest of everything updated so far. The hasher is spent afterwards.
  Result<std::string> finish_hex();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  explicit Sha256(std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx) : ctx_(std::move(ctx)) {}
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

// Hashes the whole file at `path`, reporting progress. Returns the hex digest.
Result<std::string> sha256_file(const std::string& path, const Progress& progress = {});

// Path of the sidecar of a backup: "<backup>.sha256".
std::string sidecar_path(const std::string& backup_path);
// The sidecar line for `sha256sum -c`: "<hex>  <basename>\n".
std::string sidecar_line(const std::string& hex, const std::string& backup_path);
// Reads the expected hash from a sidecar. On failure: not_found (no sidecar, with what to do),
// corrupt (no 64-hex-digit hash at its start), io.
Result<std::string> read_sidecar(const std::string& backup_path);
// Writes the sidecar atomically (temporary file, fsync, rename). The caller fsyncs the directory.
Result<void> write_sidecar(const std::string& backup_path, const std::string& hex);

// True for 64 lower- or upper-case hex digits.
bool is_sha256_hex(const std::string& text);

}  // namespace safemig::backup::internal
