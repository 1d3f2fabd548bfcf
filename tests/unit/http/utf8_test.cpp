// Well-formed UTF-8: what is_utf8 accepts and what valid_utf8 replaces.
#include "safemig/http/utf8.h"

#include <gtest/gtest.h>

namespace safemig::http {
namespace {

TEST(IsUtf8, AcceptsEveryLengthOfSequence) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("gpt-4o"));
  EXPECT_TRUE(is_utf8("caf\xC3\xA9"));                // é
  EXPECT_TRUE(is_utf8("\xE2\x82\xAC"));               // €
  EXPECT_TRUE(is_utf8("\xF0\x9F\x98\x80"));           // U+1F600
  EXPECT_TRUE(is_utf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF
  EXPECT_TRUE(is_utf8(std::string_view("a\0b", 3)));  // NUL is a character.
}

TEST(IsUtf8, RefusesStrayOverlongSurrogateAndTruncatedSequences) {
  for (const char* bad :
       {"a\xFF"
        "b",
        "\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF0\x80\x80\xAF",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xC3", "\xE2\x82", "\xF0\x9F\x98"}) {
    EXPECT_FALSE(is_utf8(bad)) << ::testing::PrintToString(std::string(bad));
  }
}

TEST(ValidUtf8, KeepsWellFormedTextAsItIs) {
  EXPECT_EQ(valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(ValidUtf8, ReplacesEachByteOutsideAWellFormedSequence) {
  EXPECT_EQ(valid_utf8("a\xFF"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  // A truncated sequence: each of its bytes is replaced, what follows is kept.
  EXPECT_EQ(valid_utf8("\xE2\x82x"),
            "\xEF\xBF\xBD\xEF\xBF\xBD"
            "x");
  // A surrogate encoded in three bytes is not UTF-8.
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_utf8(valid_utf8("\xC0\xAF\xF5\x80 ok \xF0\x9F\x98")));
}

TEST(Utf8Prefix, CutsOnlyBetweenCharacters) {
  EXPECT_EQ(utf8_prefix("short", 10), "short");
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8_prefix("a\xC3\xA9", 2), "a");  // é would be cut in half.
  EXPECT_EQ(utf8_prefix("a\xC3\xA9", 3), "a\xC3\xA9");
  EXPECT_EQ(utf8_prefix("\xF0\x9F\x98\x80x", 3), "");  // Inside a 4-byte sequence.
  EXPECT_EQ(utf8_prefix("\xF0\x9F\x98\x80x", 4), "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace safemig::http
