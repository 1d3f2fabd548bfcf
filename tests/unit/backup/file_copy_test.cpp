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

}  // namespace
}  // namespace safemig::backup::internal
