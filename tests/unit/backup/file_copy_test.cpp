// Tests of the hashing copies: plain copy, gzip and gunzip across several chunks.
#include "file_copy.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "posix_file.h"
#include "sha256.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::backup::internal {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::read_file;
using ::safemig::testing::TempDir;
using ::safemig::testing::write_file;

// 9 MiB: more than two 4 MiB chunks, half random (incompressible) and half repetitive.
std::string sample_data() {
  std::string data(std::size_t{9} << 20, 'a');
  std::mt19937 rng(42);
  for (std::size_t i = 0; i < data.size() / 2; ++i) data[i] = static_cast<char>(rng() & 0xFF);
  return data;
}

struct Files {
  UniqueFd src;
  UniqueFd dst;
};

Files open_pair(const std::string& src, const std::string& dst) {
  auto s = open_file(src, O_RDONLY, 0, "open");
  auto d = open_file(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600, "open");
  EXPECT_THAT(s, IsOk());
  EXPECT_THAT(d, IsOk());
  return Files{s ? std::move(*s) : UniqueFd(), d ? std::move(*d) : UniqueFd()};
}

CopySource source_of(FileRef file) {
  auto source = descriptor_source(file);
  EXPECT_THAT(source, IsOk());
  return source ? std::move(*source) : CopySource{};
}

// A source of `data` read from memory, without a descriptor for the kernel to copy from, whose
// reads stop at `readable` bytes as a file that shrank would.
CopySource memory_source(const std::string& data, std::uint64_t readable) {
  CopySource source;
  source.path = "memory";
  source.size = data.size();
  source.read_at = [&data, readable](unsigned char* buffer, std::size_t n,
                                     std::uint64_t offset) -> Result<std::size_t> {
    if (offset >= readable) return std::size_t{0};
    const auto got = static_cast<std::size_t>(std::min<std::uint64_t>(n, readable - offset));
    std::memcpy(buffer, data.data() + offset, got);
    return got;
  };
  return source;
}

TEST(FileCopyTest, CopyIsIdenticalAndHashesTheSource) {
  TempDir dir;
  const std::string src = dir.file("src"), dst = dir.file("dst");
  write_file(src, sample_data());
  Files f = open_pair(src, dst);
  std::uint64_t last_done = 0, last_total = 0;
  auto copied = copy_and_hash(source_of(FileRef{f.src.get(), src}), FileRef{f.dst.get(), dst},
                              [&](std::uint64_t done, std::uint64_t total) {
                                last_done = done;
                                last_total = total;
                              });
  ASSERT_THAT(copied, IsOk());
  ASSERT_THAT(f.dst.close(dst), IsOk());
  EXPECT_EQ(read_file(dst), read_file(src));
  EXPECT_THAT(sha256_file(src), IsOkAndHolds(copied->sha256));
  EXPECT_EQ(copied->bytes_out, std::uint64_t{9} << 20);
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(last_total, std::uint64_t{9} << 20);
}

TEST(FileCopyTest, GzipRoundTrip) {
  TempDir dir;
  const std::string src = dir.file("src"), gz = dir.file("src.gz"), out = dir.file("out");
  write_file(src, sample_data());
  Files zipping = open_pair(src, gz);
  auto zipped =
      gzip_and_hash(source_of(FileRef{zipping.src.get(), src}), FileRef{zipping.dst.get(), gz}, {});
  ASSERT_THAT(zipped, IsOk());
  ASSERT_THAT(zipping.dst.close(gz), IsOk());
  EXPECT_LT(zipped->bytes_out, zipped->bytes_in);
  EXPECT_THAT(sha256_file(gz), IsOkAndHolds(zipped->sha256));

  Files unzipping = open_pair(gz, out);
  auto unzipped =
      gunzip_and_hash(FileRef{unzipping.src.get(), gz}, FileRef{unzipping.dst.get(), out}, {});
  ASSERT_THAT(unzipped, IsOk());
  ASSERT_THAT(unzipping.dst.close(out), IsOk());
  EXPECT_FALSE(unzipped->stream_error.has_value());
  EXPECT_EQ(unzipped->copy.sha256, zipped->sha256);
  EXPECT_EQ(read_file(out), read_file(src));
}

TEST(FileCopyTest, TruncatedGzipIsReportedAfterHashingEverything) {
  TempDir dir;
  const std::string src = dir.file("src"), gz = dir.file("src.gz"), out = dir.file("out");
  write_file(src, sample_data());
  {
    Files f = open_pair(src, gz);
    ASSERT_THAT(gzip_and_hash(source_of(FileRef{f.src.get(), src}), FileRef{f.dst.get(), gz}, {}),
                IsOk());
  }
  std::string stored = read_file(gz);
  write_file(gz, stored.substr(0, stored.size() / 2));
  Files f = open_pair(gz, out);
  auto unzipped = gunzip_and_hash(FileRef{f.src.get(), gz}, FileRef{f.dst.get(), out}, {});
  ASSERT_THAT(unzipped, IsOk());
  ASSERT_TRUE(unzipped->stream_error.has_value());
  EXPECT_EQ(unzipped->stream_error->code, ErrorCode::corrupt);
  EXPECT_THAT(unzipped->stream_error->message, ::testing::HasSubstr("the stream ends early"));
  EXPECT_THAT(sha256_file(gz), IsOkAndHolds(unzipped->copy.sha256));
}

TEST(FileCopyTest, SourceWithoutDescriptorIsCopiedThroughItsReads) {
  TempDir dir;
  const std::string dst = dir.file("dst");
  const std::string data = sample_data();
  auto out = open_file(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600, "open");
  ASSERT_THAT(out, IsOk());
  auto copied = copy_and_hash(memory_source(data, data.size()), FileRef{out->get(), dst}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_THAT(out->close(dst), IsOk());
  EXPECT_EQ(read_file(dst), data);
  EXPECT_EQ(copied->bytes_out, data.size());
}

TEST(FileCopyTest, SourceThatEndsBeforeItsSizeIsAnError) {
  TempDir dir;
  const std::string dst = dir.file("dst");
  const std::string data = sample_data();
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "copy");
    auto out = open_file(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600, "open");
    ASSERT_THAT(out, IsOk());
    const CopySource shrunk = memory_source(data, data.size() / 2);
    auto copied = gzip ? gzip_and_hash(shrunk, FileRef{out->get(), dst}, {})
                       : copy_and_hash(shrunk, FileRef{out->get(), dst}, {});
    EXPECT_THAT(copied, ErrorIs(ErrorCode::io,
                                ::testing::HasSubstr("memory became shorter while it was copied")));
  }
}

// A header whose bytes 18 and 19 say WAL (2), followed by the rest of a page.
std::string wal_header() {
  std::string header(512, '\0');
  std::memcpy(header.data(), "SQLite format 3", 16);
  header[18] = 2;
  header[19] = 2;
  header[20] = 7;  // Reserved space: must stay as it is.
  return header;
}

TEST(RollbackJournalHeaderTest, SetsOnlyTheFormatVersionsOfAWalHeader) {
  std::string bytes = wal_header();
  auto* data = reinterpret_cast<unsigned char*>(bytes.data());
  set_rollback_journal_header(data, bytes.size(), 0);
  std::string expected = wal_header();
  expected[18] = 1;
  expected[19] = 1;
  EXPECT_EQ(bytes, expected);
  // Already rollback-journal mode: unchanged.
  set_rollback_journal_header(data, bytes.size(), 0);
  EXPECT_EQ(bytes, expected);
}

TEST(RollbackJournalHeaderTest, WorksOnAnyChunkThatHoldsTheBytes) {
  const std::string header = wal_header();
  // A chunk from offset 19: only byte 19 is in it.
  std::string tail = header.substr(19);
  set_rollback_journal_header(reinterpret_cast<unsigned char*>(tail.data()), tail.size(), 19);
  EXPECT_EQ(tail[0], 1);
  EXPECT_EQ(tail.substr(1), header.substr(20));
  // A chunk past the header: untouched even where it holds a 2.
  std::string later(64, '\2');
  set_rollback_journal_header(reinterpret_cast<unsigned char*>(later.data()), later.size(), 4096);
  EXPECT_EQ(later, std::string(64, '\2'));
}

TEST(RollbackJournalHeaderTest, ASourceIsReadWithTheHeaderSetAndNeverCopiedByTheKernel) {
  TempDir dir;
  const std::string path = dir.file("wal.db");
  write_file(path, wal_header() + std::string(3584, 'x'));
  auto fd = open_file(path, O_RDONLY, 0, "open");
  ASSERT_THAT(fd, IsOk());
  auto source = descriptor_source(FileRef{fd->get(), path});
  ASSERT_THAT(source, IsOk());
  const CopySource patched = with_rollback_journal_header(*source);
  EXPECT_EQ(patched.kernel_fd, -1);
  const std::string copy_path = dir.file("copy.db");
  auto dst = open_file(copy_path, O_WRONLY | O_CREAT | O_EXCL, 0600, "create");
  ASSERT_THAT(dst, IsOk());
  auto copied = copy_and_hash(patched, FileRef{dst->get(), copy_path}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_THAT(dst->close(copy_path), IsOk());
  std::string expected = wal_header() + std::string(3584, 'x');
  expected[18] = 1;
  expected[19] = 1;
  EXPECT_EQ(read_file(copy_path), expected);
  EXPECT_THAT(sha256_file(copy_path), IsOkAndHolds(copied->sha256));
  EXPECT_EQ(static_cast<unsigned char>(read_file(path)[18]), 2u);  // The source is untouched.
}

TEST(RollbackJournalHeaderTest, SetsTheHeaderOfAFileInPlace) {
  TempDir dir;
  const std::string path = dir.file("wal.db");
  write_file(path, wal_header());
  auto fd = open_file(path, O_RDWR, 0, "open");
  ASSERT_THAT(fd, IsOk());
  ASSERT_THAT(set_rollback_journal_file(FileRef{fd->get(), path}), IsOk());
  std::string expected = wal_header();
  expected[18] = 1;
  expected[19] = 1;
  EXPECT_EQ(read_file(path), expected);
  // A file too short to hold the header is left for verification to refuse.
  const std::string tiny = dir.file("tiny");
  write_file(tiny, "SQLite");
  auto tiny_fd = open_file(tiny, O_RDWR, 0, "open");
  ASSERT_THAT(tiny_fd, IsOk());
  EXPECT_THAT(set_rollback_journal_file(FileRef{tiny_fd->get(), tiny}), IsOk());
  EXPECT_EQ(read_file(tiny), "SQLite");
}

TEST(RollbackJournalHeaderTest, AFileThatCannotBeWrittenIsIo) {
  TempDir dir;
  const std::string path = dir.file("wal.db");
  write_file(path, wal_header());
  auto fd = open_file(path, O_RDONLY, 0, "open");
  ASSERT_THAT(fd, IsOk());
  EXPECT_THAT(set_rollback_journal_file(FileRef{fd->get(), path}),
              ErrorIs(ErrorCode::io, ::testing::HasSubstr("cannot write the header of " + path)));
  EXPECT_EQ(read_file(path), wal_header());
}

}  // namespace
}  // namespace safemig::backup::internal
