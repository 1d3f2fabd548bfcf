// Implements file_copy.h; the contract and the thread-safety rule are stated there.
#include "file_copy.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#define ZLIB_CONST
#include <zlib.h>

#include "posix_file.h"
#include "sha256.h"

namespace safemig::backup::internal {
namespace {

constexpr std::size_t kChunk = std::size_t{4} << 20;
// Speed over size: backups are taken on the migration path, and SQLite pages compress well
// even at the fastest level.
constexpr int kGzipLevel = Z_BEST_SPEED;
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper.

void report(const Progress& progress, std::uint64_t done, std::uint64_t total) {
  if (progress) progress(done, std::max(done, total));
}

Error shrank(const std::string& path) {
  return Error(ErrorCode::io, path +
                                  " became shorter while it was copied; stop other writers "
                                  "and retry")
      .with_file(path);
}

// Copies [offset, offset + size) with copy_file_range. Returns false when the kernel or file
// system cannot (the caller then writes the bytes it already holds).
Result<bool> kernel_copy(const CopySource& src, FileRef dst, std::uint64_t offset,
                         std::size_t size) {
  auto in = static_cast<loff_t>(offset);
  std::size_t left = size;
  while (left > 0) {
    ssize_t n = ::copy_file_range(src.kernel_fd, &in, dst.fd, nullptr, left, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (left == size &&
          (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
        return false;
      }
      return fail(os_error(errno, "cannot copy " + src.path + " to", dst.path,
                           errno == ENOSPC ? "free disk space and retry" : ""));
    }
    if (n == 0) return fail(shrank(src.path));
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads the next chunk: `buffer.size()` bytes, or what is left of the source's size.
Result<std::size_t> read_chunk(const CopySource& src, std::vector<unsigned char>& buffer,
                               std::uint64_t offset) {
  if (offset >= src.size) return std::size_t{0};
  const auto want =
      static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), src.size - offset));
  SAFEMIG_TRY(std::size_t n, src.read_at(buffer.data(), want, offset));
  if (n < want) return fail(shrank(src.path));
  return n;
}

struct DeflateStream {
  z_stream z{};
  bool live = false;
  ~DeflateStream() {
    if (live) deflateEnd(&z);
  }
};

struct InflateStream {
  z_stream z{};
  bool live = false;
  ~InflateStream() {
    if (live) inflateEnd(&z);
  }
};

Error zlib_error(const std::string& what, const z_stream& z, int rc) {
  return Error(ErrorCode::internal, what + ": zlib error " + std::to_string(rc) +
                                        (z.msg ? std::string(" (") + z.msg + ")" : ""));
}

}  // namespace

Result<CopySource> descriptor_source(FileRef file) {
  SAFEMIG_TRY(std::uint64_t size, file_size(file.fd, file.path));
  CopySource source;
  source.path = file.path;
  source.size = size;
  source.kernel_fd = file.fd;
  source.read_at = [fd = file.fd, path = file.path](unsigned char* buffer, std::size_t n,
                                                    std::uint64_t offset) {
    return pread_full(fd, buffer, n, offset, path);
  };
  return source;
}

void set_rollback_journal_header(unsigned char* bytes, std::size_t size, std::uint64_t offset) {
  constexpr unsigned char kWal = 2;
  constexpr unsigned char kRollback = 1;
  for (std::uint64_t at = kFormatVersionOffset; at < kFormatVersionOffset + 2; ++at) {
    if (at < offset || at - offset >= size) continue;
    unsigned char& byte = bytes[at - offset];
    if (byte == kWal) byte = kRollback;
  }
}

CopySource with_rollback_journal_header(CopySource source) {
  source.kernel_fd = -1;
  source.read_at = [read = std::move(source.read_at)](unsigned char* buffer, std::size_t n,
                                                      std::uint64_t offset) -> Result<std::size_t> {
    SAFEMIG_TRY(std::size_t got, read(buffer, n, offset));
    set_rollback_journal_header(buffer, got, offset);
    return got;
  };
  return source;
}

Result<void> set_rollback_journal_file(FileRef file) {
  unsigned char versions[2] = {0, 0};
  SAFEMIG_TRY(std::size_t n,
              pread_full(file.fd, versions, sizeof versions, kFormatVersionOffset, file.path));
  if (n != sizeof versions) return {};  // Too short to be a database: verification says so.
  const unsigned char before[2] = {versions[0], versions[1]};
  set_rollback_journal_header(versions, sizeof versions, kFormatVersionOffset);
  if (versions[0] == before[0] && versions[1] == before[1]) return {};
  const auto offset = static_cast<off_t>(kFormatVersionOffset);
  for (;;) {
    ssize_t written = ::pwrite(file.fd, versions, sizeof versions, offset);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return fail(os_error(errno, "cannot write the header of", file.path));
    if (written != static_cast<ssize_t>(sizeof versions)) {
      return fail(os_error(EIO, "cannot write the header of", file.path));
    }
    return {};
  }
}

Result<CopyResult> copy_and_hash(const CopySource& src, FileRef dst, const Progress& progress) {
  SAFEMIG_TRY(Sha256 hasher, Sha256::create());
  std::vector<unsigned char> buffer(kChunk);
  CopyResult result;
  bool use_kernel = src.kernel_fd >= 0;
  for (;;) {
    SAFEMIG_TRY(std::size_t n, read_chunk(src, buffer, result.bytes_in));
    if (n == 0) break;
    SAFEMIG_TRY_VOID(hasher.update(buffer.data(), n));
    if (use_kernel) {
      SAFEMIG_TRY(use_kernel, kernel_copy(src, dst, result.bytes_in, n));
    }
    if (!use_kernel) SAFEMIG_TRY_VOID(write_all(dst.fd, buffer.data(), n, dst.path));
    result.bytes_in += n;
    report(progress, result.bytes_in, src.size);
  }
  result.bytes_out = result.bytes_in;
  SAFEMIG_TRY(result.sha256, hasher.finish_hex());
  return result;
}

Result<CopyResult> gzip_and_hash(const CopySource& src, FileRef dst, const Progress& progress) {
  SAFEMIG_TRY(Sha256 hasher, Sha256::create());
  DeflateStream stream;
  int rc = deflateInit2(&stream.z, kGzipLevel, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) return fail(zlib_error("cannot start gzip compression", stream.z, rc));
  stream.live = true;
  std::vector<unsigned char> in(kChunk);
  std::vector<unsigned char> out(kChunk);
  CopyResult result;
  int flush = Z_NO_FLUSH;
  while (flush != Z_FINISH) {
    SAFEMIG_TRY(std::size_t n, read_chunk(src, in, result.bytes_in));
    result.bytes_in += n;
    flush = result.bytes_in >= src.size ? Z_FINISH : Z_NO_FLUSH;
    stream.z.next_in = in.data();
    stream.z.avail_in = static_cast<uInt>(n);
    do {
      stream.z.next_out = out.data();
      stream.z.avail_out = static_cast<uInt>(out.size());
      rc = deflate(&stream.z, flush);
      if (rc == Z_STREAM_ERROR) return fail(zlib_error("gzip compression failed", stream.z, rc));
      std::size_t produced = out.size() - stream.z.avail_out;
      SAFEMIG_TRY_VOID(hasher.update(out.data(), produced));
      SAFEMIG_TRY_VOID(write_all(dst.fd, out.data(), produced, dst.path));
      result.bytes_out += produced;
    } while (stream.z.avail_out == 0);
    report(progress, result.bytes_in, src.size);
  }
  if (rc != Z_STREAM_END) return fail(zlib_error("gzip compression did not finish", stream.z, rc));
  SAFEMIG_TRY(result.sha256, hasher.finish_hex());
  return result;
}

Result<GunzipResult> gunzip_and_hash(FileRef src, FileRef dst, const Progress& progress) {
  SAFEMIG_TRY(std::uint64_t total, file_size(src.fd, src.path));
  SAFEMIG_TRY(Sha256 hasher, Sha256::create());
  InflateStream stream;
  int rc = inflateInit2(&stream.z, kGzipWindowBits);
  if (rc != Z_OK) return fail(zlib_error("cannot start gzip decompression", stream.z, rc));
  stream.live = true;
  std::vector<unsigned char> in(kChunk);
  std::vector<unsigned char> out(kChunk);
  GunzipResult result;
  auto damaged = [&](const std::string& why) {
    result.stream_error =
        Error(ErrorCode::corrupt,
              "the gzip backup " + src.path + " is damaged (" + why + "); use another backup")
            .with_file(src.path);
  };
  bool at_member_end = false;
  for (;;) {
    SAFEMIG_TRY(std::size_t n, read_full(src.fd, in.data(), in.size(), src.path));
    if (n == 0) break;
    SAFEMIG_TRY_VOID(hasher.update(in.data(), n));
    result.copy.bytes_in += n;
    report(progress, result.copy.bytes_in, total);
    if (result.stream_error) continue;  // Keep hashing to the end.
    stream.z.next_in = in.data();
    stream.z.avail_in = static_cast<uInt>(n);
    do {
      if (at_member_end) {
        if (stream.z.avail_in == 0) break;
        inflateReset(&stream.z);  // Another gzip member follows.
        at_member_end = false;
      }
      stream.z.next_out = out.data();
      stream.z.avail_out = static_cast<uInt>(out.size());
      rc = inflate(&stream.z, Z_NO_FLUSH);
      std::size_t produced = out.size() - stream.z.avail_out;
      SAFEMIG_TRY_VOID(write_all(dst.fd, out.data(), produced, dst.path));
      result.copy.bytes_out += produced;
      if (rc == Z_STREAM_END) {
        at_member_end = true;
      } else if (rc == Z_BUF_ERROR && stream.z.avail_in == 0) {
        break;  // Needs the next chunk of input.
      } else if (rc != Z_OK) {
        damaged(stream.z.msg ? stream.z.msg : "zlib error " + std::to_string(rc));
      }
    } while ((stream.z.avail_in > 0 || stream.z.avail_out == 0) && !result.stream_error);
  }
  if (!result.stream_error && !at_member_end) {
    damaged(result.copy.bytes_in == 0 ? "the file is empty" : "the stream ends early");
  }
  SAFEMIG_TRY(result.copy.sha256, hasher.finish_hex());
  return result;
}

}  // namespace safemig::backup::internal
