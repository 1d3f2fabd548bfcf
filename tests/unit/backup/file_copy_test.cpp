// Tests of the hashing copies: plain copy, gzip and gunzip across several chunks.
#include "file_copy.h"

#include <fcntl.h>

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "posix_file.h"
#include "sha256.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::backup::internal {
namespace {

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

TEST(FileCopyTest, CopyIsIdenticalAndHashesTheSource) {
  TempDir dir;
  const std::string src = dir.file("src"), dst = dir.file("dst");
  write_file(src, sample_data());
  Files f = open_pair(src, dst);
  std::uint64_t last_done = 0, last_total = 0;
  auto copied = copy_and_hash(FileRef{f.src.get(), src}, FileRef{f.dst.get(), dst},
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
  auto zipped = gzip_and_hash(FileRef{zipping.src.get(), src}, FileRef{zipping.dst.get(), gz}, {});
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
    ASSERT_THAT(gzip_and_hash(FileRef{f.src.get(), src}, FileRef{f.dst.get(), gz}, {}), IsOk());
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

}  // namespace
}  // namespace safemig::backup::internal
