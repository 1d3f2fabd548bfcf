// The command line's plain-text building blocks: tables, sizes, times and the progress bar.
#include <gmock/gmock.h>

#include <sstream>

#include "progress_bar.h"
#include "text_table.h"

namespace safemig::cli {
namespace {

using ::testing::HasSubstr;

TEST(FormatTableTest, AlignsColumnsWithoutTrailingSpaces) {
  EXPECT_EQ(format_table({"a", "long header"}, {{"wide cell", "x"}, {"b"}}),
            "a          long header\n"
            "wide cell  x\n"
            "b\n");
}

TEST(FormatSizeTest, PicksAUnit) {
  EXPECT_EQ(format_size(0), "0 bytes");
  EXPECT_EQ(format_size(1023), "1023 bytes");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(5ull * 1024 * 1024), "5.0 MiB");
}

TEST(FormatUtcTest, SecondsInUtc) {
  EXPECT_EQ(format_utc(std::chrono::system_clock::time_point(std::chrono::seconds(86400))),
            "1970-01-02T00:00:00Z");
}

TEST(ProgressBarTest, DrawsInPlaceAndEndsTheLine) {
  std::ostringstream out;
  {
    ProgressBar bar(out, "copying");
    auto progress = bar.callback();
    progress(0, 200);
    progress(200, 200);
  }
  EXPECT_THAT(out.str(), HasSubstr("\rcopying [.............................."));
  EXPECT_THAT(out.str(), HasSubstr("] 100%  200 bytes / 200 bytes"));
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(ProgressBarTest, NothingDrawnNothingWritten) {
  std::ostringstream out;
  { ProgressBar bar(out, "idle"); }
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace safemig::cli
