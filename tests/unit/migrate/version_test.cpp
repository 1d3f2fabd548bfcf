// Tests of versions: numbers as people write them, and text versions kept in their text order.
#include "safemig/migrate/version.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace safemig::migrate {
namespace {

TEST(VersionTest, NumbersAreParsedWhole) {
  EXPECT_EQ(parse_version_number("0042"), 42);
  EXPECT_EQ(parse_version_number("9223372036854775807"), 9223372036854775807);
  EXPECT_EQ(parse_version_number("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_version_number(""), std::nullopt);
  EXPECT_EQ(parse_version_number("12a"), std::nullopt);
  EXPECT_EQ(parse_version_number("-1"), std::nullopt);
  EXPECT_EQ(version_text(kNoVersion), "none");
  EXPECT_EQ(version_text(0), "0");
}

// The keys sort exactly as the texts do, whatever their lengths and leading zeros.
TEST(VersionTest, TextOrderKeysSortAsTheirTexts) {
  std::vector<std::string> texts = {"0",
                                    "00",
                                    "00000000000000",
                                    "000000000000000001",
                                    "1",
                                    "10",
                                    "19",
                                    "2",
                                    "20221117064726",
                                    "20240313",
                                    "2024031300",
                                    "20240313170000",
                                    "20240314",
                                    "9",
                                    "99",
                                    "999999999999999999"};
  std::vector<Version> keys;
  for (const std::string& text : texts) {
    const std::optional<Version> key = text_order_key(text);
    ASSERT_TRUE(key.has_value()) << text;
    EXPECT_GT(*key, 0) << text;
    keys.push_back(*key);
  }
  EXPECT_TRUE(std::is_sorted(texts.begin(), texts.end()));
  for (std::size_t i = 1; i < keys.size(); ++i) {
    EXPECT_LT(keys[i - 1], keys[i]) << texts[i - 1] << " < " << texts[i];
  }
}

TEST(VersionTest, TextOrderKeysExistOnlyForOneToEighteenDigits) {
  EXPECT_EQ(text_order_key(""), std::nullopt);
  EXPECT_EQ(text_order_key("2024-03-13"), std::nullopt);
  EXPECT_EQ(text_order_key("v1"), std::nullopt);
  EXPECT_EQ(text_order_key("1234567890123456789"), std::nullopt);
  EXPECT_TRUE(text_order_key("123456789012345678").has_value());
  // Adjacent texts in text order get adjacent keys: "0" is the first, "00" right after it.
  EXPECT_EQ(text_order_key("0"), 1);
  EXPECT_EQ(text_order_key("00"), 2);
}

}  // namespace
}  // namespace safemig::migrate
