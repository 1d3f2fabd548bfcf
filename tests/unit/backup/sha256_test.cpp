// Tests of the SHA-256 hasher and the sha256sum sidecar format.
#include "sha256.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/matchers.h"
#include "support/temp_dir.h"
#include "test_databases.h"

namespace safemig::backup::internal {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::safemig::testing::TempDir;
using ::testing::HasSubstr;

TEST(Sha256Test, KnownVector) {
  auto hasher = Sha256::create();
  ASSERT_THAT(hasher, IsOk());
  ASSERT_THAT(hasher->update("ab", 2), IsOk());
  ASSERT_THAT(hasher->update("c", 1), IsOk());
  EXPECT_THAT(hasher->finish_hex(),
              IsOkAndHolds("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST(Sha256Test, SidecarPassesSha256sumCheck) {
  TempDir dir;
  const std::string path = dir.file("data.bin");
  ::safemig::testing::write_file(path, std::string(5'000'000, 'x') + "tail");
  auto hex = sha256_file(path);
  ASSERT_THAT(hex, IsOk());
  ASSERT_THAT(write_sidecar(path, *hex), IsOk());
  EXPECT_EQ(::safemig::testing::read_file(sidecar_path(path)), *hex + "  data.bin\n");
  EXPECT_EQ(testing::sha256sum_check(sidecar_path(path)), 0);
  EXPECT_THAT(read_sidecar(path), IsOkAndHolds(*hex));
}

TEST(Sha256Test, MissingSidecarIsNotFound) {
  TempDir dir;
  EXPECT_THAT(read_sidecar(dir.file("b")),
              ErrorIs(ErrorCode::not_found, HasSubstr("checksum file")));
}

TEST(Sha256Test, MalformedSidecarIsCorrupt) {
  TempDir dir;
  ::safemig::testing::write_file(dir.file("b.sha256"), "not a hash  b\n");
  EXPECT_THAT(read_sidecar(dir.file("b")),
              ErrorIs(ErrorCode::corrupt, HasSubstr("does not start with a SHA-256 hash")));
}

TEST(Sha256Test, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(sha256_file(dir.file("none")),
              ErrorIs(ErrorCode::not_found, HasSubstr("No such file or directory")));
}

}  // namespace
}  // namespace safemig::backup::internal
