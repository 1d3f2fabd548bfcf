// Streaming copies that hash as they go: a plain copy with copy_file_range (the kernel copies,
// reflinking where the file system can, while the bytes are read once for SHA-256), gzip
// compression, and gzip decompression.
//
// The copy and the compression read a CopySource from its start to its end: a file descriptor,
// or a live database file read through the SQLite connection that has it open. Decompression
// reads `src_fd` from its current offset. Each writes `dst_fd` at its current offset. None
// fsyncs: the caller does, once.
//
// Thread safety: reentrant; the descriptors and connections belong to the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

namespace safemig::backup::internal {

struct FileRef {
  int fd;
  const std::string& path;  // For messages.
};

// Reads a source by offset. `read_at` fills up to `size` bytes and returns fewer only at the end
// of the source.
struct CopySource {
  std::string path;  // For messages.
  std::uint64_t size = 0;
  std::function<Result<std::size_t>(unsigned char* buffer, std::size_t size, std::uint64_t offset)>
      read_at;
  // A descriptor copy_file_range may copy from, or -1 when the bytes must pass through read_at.
  int kernel_fd = -1;
};

// The whole file behind `file` (its size now, read with pread).
Result<CopySource> descriptor_source(FileRef file);

// SQLite's file header stores the journal mode a database opens in: bytes 18 and 19 (the file
// format write and read versions) are 2 in WAL mode and 1 in rollback-journal mode.
inline constexpr std::uint64_t kFormatVersionOffset = 18;

// Sets the format versions of a WAL-mode header to rollback-journal mode in `bytes`, which hold a
// database file's bytes from file offset `offset`; any other value is left as it is. This is the
// mode change PRAGMA journal_mode=DELETE makes; the pages are untouched.
void set_rollback_journal_header(unsigned char* bytes, std::size_t size, std::uint64_t offset);

// `source` read with its header set to rollback-journal mode (as above). The bytes pass through
// read_at, so the result never copies with copy_file_range.
CopySource with_rollback_journal_header(CopySource source);

// Sets the header of the database file open read-write as `file` to rollback-journal mode, in
// place (pread and pwrite; not fsynced).
Result<void> set_rollback_journal_file(FileRef file);

struct CopyResult {
  std::string sha256;           // Hash of the bytes named in each function's contract.
  std::uint64_t bytes_in = 0;   // Bytes read from the source.
  std::uint64_t bytes_out = 0;  // Bytes written to the destination.
};

// Plain copy; sha256 is the hash of the source bytes (equal to the destination's).
// Progress: bytes copied of the source's size.
Result<CopyResult> copy_and_hash(const CopySource& src, FileRef dst, const Progress& progress);

// gzip-compresses the source into the destination; sha256 is the hash of the compressed output
// (what is stored, what `sha256sum` sees). Progress: source bytes consumed of its size.
Result<CopyResult> gzip_and_hash(const CopySource& src, FileRef dst, const Progress& progress);

struct GunzipResult {
  CopyResult copy;  // sha256 is the hash of the whole compressed input.
  // Set when the input is not a valid gzip stream; the input is still hashed to its end so a
  // caller can report a checksum mismatch first.
  std::optional<Error> stream_error;
};

// Decompresses a gzip stream (one or more members) from the source into the destination.
// Errors are read/write failures; damage to the stream is reported in stream_error.
Result<GunzipResult> gunzip_and_hash(FileRef src, FileRef dst, const Progress& progress);

}  // namespace safemig::backup::internal
